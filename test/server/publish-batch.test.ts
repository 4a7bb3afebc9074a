/**
 * ctx.batch and batch(): a note moved from one column to another (a delete on one topic, a
 * create on another) reaches each subscriber in one frame, rich values included; a batch is
 * checked whole before anything is published, and bounded.
 */
import { describe, expect, it } from 'vitest';
import { batch, live } from '../../runtime/server/index.js';
import { MAX_BATCH_EVENTS } from '../../runtime/server/publish-batch.js';
import { getRuntime } from '../../runtime/server/runtime.js';
import { decodeFrame } from '../../runtime/server/frames.js';
import { module, serverPerTest, sleep, waitFor, type TestClient } from '../helpers/server.js';

const server = serverPerTest();

interface Note {
  id: string;
  column: string;
  at?: Date;
}

async function start() {
  // The process's runtime, so batch() from svelte-realtime/server reaches it.
  await server.start({
    modules: [
      module('board', {
        column: live.stream((_ctx, column: string) => `column:${column}`, () => [] as Note[]),
        move: live((ctx, note: Note, from: string) => {
          ctx.batch([
            { topic: `column:${from}`, event: 'deleted', data: note.id },
            { topic: `column:${note.column}`, event: 'created', data: note }
          ]);
        }),
        flood: live((ctx, count: number) => ctx.batch(Array.from({ length: count }, (_, i) => ({ topic: 'column:todo', event: 'created', data: { id: `n${i}` } })))),
        malformed: live((ctx) => ctx.batch([{ topic: 'column:todo', event: 'created', data: { id: 'ok' } }, { topic: 'column:done' } as never])),
        notAList: live((ctx) => ctx.batch('column:todo' as never)),
        many: live((ctx, count: number) =>
          ctx.batch(() => {
            for (let i = 0; i < count; i++) ctx.publish('column:todo', 'created', { id: `m${i}` });
          })
        ),
        later: live((ctx) => ctx.batch((async () => ctx.publish('column:todo', 'created', { id: 'late' })) as never)),
        activity: live.stream('activity', () => [] as { id: string; text: string }[], { max: 20, prepend: true }),
        room: live.room({
          init: () => [] as Note[],
          actions: {
            // A note added to the room and a line in the activity feed: one update on every page.
            add(ctx, note: Note) {
              ctx.batch(() => {
                ctx.room.publish('created', note);
                ctx.publish('activity', 'created', { id: note.id, text: `added ${note.id}` });
              });
            }
          }
        })
      })
    ]
  }, getRuntime());
}

/** Every frame the client receives that carries events, as the list of its events' topics. */
function eventFrames(client: TestClient): string[][] {
  const frames: string[][] = [];
  client.socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const events = (decodeFrame(data.toString()) as { t: string; topic?: string }[]).filter((m) => m.t === 'event');
    if (events.length > 0) frames.push(events.map((m) => m.topic!));
  });
  return frames;
}

async function watcherOf(...columns: string[]) {
  const client = await server.connect();
  for (const column of columns) await client.subscribe('board/column', [column]);
  return { client, frames: eventFrames(client) };
}

describe('ctx.batch', () => {
  it('reaches each subscriber in one frame, with what that subscriber follows, rich values included', async () => {
    await start();
    const both = await watcherOf('todo', 'done');
    const doneOnly = await watcherOf('done');
    const mover = await server.connect();
    const at = new Date('2026-12-01T10:00:00Z');
    // A Date travels as devalue: without the batch each event would be a frame of its own.
    expect(await mover.call('board/move', { id: 'n1', column: 'done', at }, 'todo')).toMatchObject({ t: 'result' });
    await waitFor(() => both.frames.length > 0 && doneOnly.frames.length > 0, 'the batch');
    await sleep(50);
    expect(both.frames).toEqual([['column:todo', 'column:done']]);
    expect(doneOnly.frames).toEqual([['column:done']]);
    const [created] = both.client.events('column:done');
    expect(created).toMatchObject({ event: 'created', data: { id: 'n1', at } });
    expect(both.client.events('column:todo')).toMatchObject([{ event: 'deleted', data: 'n1' }]);
  });

  it('takes plain data the same way, and numbers each topic as its own publishes would', async () => {
    await start();
    const both = await watcherOf('todo', 'done');
    const mover = await server.connect();
    await mover.call('board/move', { id: 'a', column: 'done' }, 'todo');
    await mover.call('board/move', { id: 'a', column: 'todo' }, 'done');
    await waitFor(() => both.frames.length === 2, 'two batches');
    expect(both.frames).toEqual([
      ['column:todo', 'column:done'],
      ['column:done', 'column:todo']
    ]);
    expect(both.client.events('column:todo').map((e) => e.seq)).toEqual([1, 2]);
    expect(both.client.events('column:done').map((e) => e.seq)).toEqual([1, 2]);
  });

  it('batch() from svelte-realtime/server does the same outside a handler', async () => {
    await start();
    const both = await watcherOf('todo', 'done');
    batch([
      { topic: 'column:todo', event: 'deleted', data: 'x' },
      { topic: 'column:done', event: 'created', data: { id: 'x', column: 'done', at: new Date(0) } }
    ]);
    server.server.runtime.batch([{ topic: 'column:todo', event: 'created', data: { id: 'y' } }, { topic: 'column:done', event: 'deleted', data: 'x' }]);
    await waitFor(() => both.frames.flat().length === 4, 'both batches');
    // Two batches in the same tick may share a frame; never is one batch split.
    expect(both.frames.flat()).toEqual(['column:todo', 'column:done', 'column:todo', 'column:done']);
    expect(both.frames.length).toBeLessThanOrEqual(2);
  });

  it(`refuses a batch of more than ${MAX_BATCH_EVENTS} events with LIMIT, publishing none of it`, async () => {
    await start();
    const watcher = await watcherOf('todo');
    const caller = await server.connect();
    expect(await caller.call('board/flood', MAX_BATCH_EVENTS + 1)).toMatchObject({ t: 'error', code: 'LIMIT', message: expect.stringMatching(/at most 1000 events; this one has 1001/) });
    expect(await caller.call('board/flood', MAX_BATCH_EVENTS)).toMatchObject({ t: 'result' });
    await waitFor(() => watcher.frames.flat().length === MAX_BATCH_EVENTS, 'the full batch');
    expect(watcher.frames).toHaveLength(1);
  });

  it("takes a function: what it publishes, a room's publish included, goes out in one frame", async () => {
    await start();
    const watcher = await server.connect();
    await watcher.subscribe('board/room', ['r1', 'data']);
    await watcher.subscribe('board/activity');
    const frames = eventFrames(watcher);
    const caller = await server.connect();
    expect(await caller.call('board/room', 'r1', 'add', { id: 'n1', column: 'todo' })).toMatchObject({ t: 'result' });
    await waitFor(() => frames.length > 0, 'the batch');
    await sleep(30);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toHaveLength(2);
    expect(frames[0]![1]).toBe('activity');
  });

  it('takes a function that publishes more than 1 000 events, in parts, losing none and keeping the order', async () => {
    await start();
    const watcher = await watcherOf('todo');
    const caller = await server.connect();
    expect(await caller.call('board/many', 2500)).toMatchObject({ t: 'result' });
    await waitFor(() => watcher.frames.flat().length === 2500, 'every event');
    expect(watcher.client.events('column:todo').map((e) => e.seq)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  });

  it('refuses an async function, which could not keep what it publishes after an await together', async () => {
    await start();
    const caller = await server.connect();
    expect(await caller.call('board/later')).toMatchObject({ t: 'error', message: expect.stringMatching(/pass a synchronous function/) });
  });

  it('publishes nothing of a batch with a malformed entry, and says which', async () => {
    await start();
    const watcher = await watcherOf('todo', 'done');
    const caller = await server.connect();
    expect(await caller.call('board/malformed')).toMatchObject({ t: 'error', code: 'INTERNAL', message: expect.stringMatching(/entry 1 must be \{ topic: string, event: string, data \}; nothing was published/) });
    expect(await caller.call('board/notAList')).toMatchObject({ t: 'error', message: expect.stringMatching(/pass a list of \{ topic, event, data \}/) });
    expect(() => batch([{ topic: 1 as never, event: 'x' }])).toThrow(/batch\(events\): entry 0/);
    await sleep(50);
    expect(watcher.frames).toEqual([]);
    // The connection and the server go on.
    await caller.call('board/move', { id: 'z', column: 'done' }, 'todo');
    await waitFor(() => watcher.frames.length === 1, 'the next batch');
  });
});
