/**
 * ctx.throttle and ctx.debounce: a note dragged across a board (many moves a second) reaches
 * subscribers as a paced stream, the last position always arrives, and two notes are paced
 * apart.
 */
import { describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/index.js';
import { MAX_PACE_MS, PublishPacing } from '../../runtime/server/publish-pacing.js';
import { module, serverPerTest, waitFor } from '../helpers/server.js';

const server = serverPerTest();

interface Note {
  id: string;
  x: number;
}

async function start() {
  await server.start({
    modules: [
      module('board', {
        notes: live.stream('notes', () => [] as Note[]),
        drag: live((ctx, note: Note) => ctx.throttle('notes', 'updated', note, 100)),
        settle: live((ctx, note: Note) => ctx.debounce('notes', 'updated', note, 100))
      })
    ]
  });
  const watcher = await server.connect();
  await watcher.subscribe('board/notes');
  const dragger = await server.connect();
  return { watcher, dragger };
}

const positions = (events: { data?: unknown }[], id: string) => events.map((e) => e.data as Note).filter((n) => n.id === id).map((n) => n.x);

describe('paced publishes', () => {
  it('throttle: the first move at once, then at most one per interval, and the last one always', async () => {
    const { watcher, dragger } = await start();
    for (let x = 1; x <= 50; x++) {
      await dragger.call('board/drag', { id: 'a', x });
      if (x === 1) {
        const first = await waitFor(() => {
          const events = watcher.messages.filter((m) => m.t === 'event');
          return events.length > 0 && events;
        }, 'the first move');
        expect(positions(first, 'a')).toEqual([1]);
      }
    }
    await dragger.call('board/drag', { id: 'b', x: 7 });
    await waitFor(() => positions(watcher.messages.filter((m) => m.t === 'event') as never, 'a').at(-1) === 50, 'the last move', 3000);
    const events = watcher.events('notes');
    const a = positions(events, 'a');
    expect(a[0]).toBe(1);
    expect(a.at(-1)).toBe(50);
    expect(a.length).toBeLessThan(50);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(positions(events, 'b')).toEqual([7]);
  });

  it('debounce: only the last of a burst, once the burst has stopped', async () => {
    const { watcher, dragger } = await start();
    for (let x = 1; x <= 20; x++) await dragger.call('board/settle', { id: 'a', x });
    await waitFor(() => watcher.messages.some((m) => m.t === 'event'), 'the settled position', 3000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(positions(watcher.events('notes'), 'a')).toEqual([20]);
  });

  it('refuses a pace that cannot work, naming it', async () => {
    const pacing = new PublishPacing();
    const publish = () => {};
    expect(() => pacing.throttle(publish, 'notes', 'updated', {}, 0)).toThrow(/ms must be a number of ms above 0/);
    expect(() => pacing.debounce(publish, 'notes', 'updated', {}, MAX_PACE_MS + 1)).toThrow(new RegExp(`at most ${MAX_PACE_MS}`));
    expect(() => pacing.throttle(publish, 1 as never, 'updated', {}, 10)).toThrow(/topic and event must be strings/);
  });
});
