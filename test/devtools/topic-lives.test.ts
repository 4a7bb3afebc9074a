/**
 * A topic re-created after its last subscriber left numbers its events from #1 again. The
 * publish telemetry names the topic's epoch, and the overlay tells the lives apart: the second
 * life's #1 is shown as a restart, and a call's trace pairs its publish with this page's update
 * of the same life, never with an older #1.
 */
import { describe, expect, it } from 'vitest';
import { EventStore } from '../../devtools-ui/data/event-store.js';
import { exportSession, readSession } from '../../devtools-ui/data/session-file.js';
import { preview } from '../../runtime/devtools-wire/preview.js';
import type { ServerEvent } from '../../runtime/devtools-wire/messages.js';
import { Runtime } from '../../runtime/server/runtime.js';
import type { TelemetryEventOf } from '../../runtime/server/telemetry.js';

const subscriber = { sendEvent: () => {} };

/** Publishes on `topic` once in each of two lives (a subscriber comes and goes between them). */
function twoLives(topic: string): TelemetryEventOf<'publish'>[] {
  const runtime = new Runtime();
  const seen: TelemetryEventOf<'publish'>[] = [];
  runtime.telemetry.listen((event) => void (event.type === 'publish' && seen.push(event)));
  for (const text of ['first life', 'second life']) {
    runtime.topics.subscribe(topic, subscriber, undefined, undefined, false);
    runtime.publish(topic, 'said', { text });
    runtime.topics.unsubscribe(topic, subscriber);
  }
  return seen;
}

let n = 0;
const asServerEvent = (event: TelemetryEventOf<'publish'>, cause?: { connection: string; id: number }): ServerEvent => ({
  n: ++n,
  time: 1_000 + n,
  type: 'publish',
  topic: event.topic,
  event: event.event,
  seq: event.seq,
  epoch: event.epoch,
  delivered: event.delivered,
  data: preview(event.data),
  cause
});

describe('the lives of a topic', () => {
  it('numbers a re-created topic from #1 in a new epoch, which the publish telemetry names', () => {
    const [first, second] = twoLives('room:lobby');
    expect(first).toMatchObject({ seq: 1, epoch: expect.any(String) });
    expect(second).toMatchObject({ seq: 1, epoch: expect.any(String) });
    expect(second!.epoch).not.toBe(first!.epoch);
  });

  it('leaves an event not numbered (nobody followed the topic) without an epoch', () => {
    const runtime = new Runtime();
    const seen: unknown[] = [];
    runtime.telemetry.listen((event) => void seen.push(event));
    runtime.publish('nobody-here', 'said', 1);
    expect(seen).toEqual([expect.objectContaining({ type: 'publish', seq: 0, epoch: undefined })]);
  });

  it("shows the second life as a restart, and pairs a call's publish with this page's update of the same life", () => {
    const [first, second] = twoLives('room:lobby');
    const store = new EventStore();
    store.pageUpdate('room:lobby', 1, 'said', { text: 'first life' }, 1_000, first!.epoch);
    store.pageUpdate('room:lobby', 1, 'said', { text: 'second life' }, 2_000, second!.epoch);
    store.ingest([
      { n: ++n, time: 1_500, type: 'call', connection: 'c1', id: 7, path: 'chat/say', duration: 1, ok: true, args: preview([]), result: preview(null), bytesIn: 10, bytesOut: 10 },
      asServerEvent(first!),
      asServerEvent(second!, { connection: 'c1', id: 7 })
    ]);
    const [older, newer] = [...store.topicEvents('room:lobby')].sort((a, b) => a.n - b.n);
    expect(store.lifeOf(older!)).toBe(1);
    expect(store.lifeOf(newer!)).toBe(2);
    expect(store.lifeOf({ topic: 'room:lobby' })).toBe(0);

    const trace = store.trace('c1/7');
    expect(trace?.publishes).toHaveLength(1);
    expect(trace!.publishes[0]!.pageUpdates.map((u) => u.data)).toEqual([preview({ text: 'second life' })]);
  });

  it('keeps the epoch of page updates in a session file, and refuses one that is not text', () => {
    const [first] = twoLives('room:lobby');
    const store = new EventStore();
    store.pageUpdate('room:lobby', 1, 'said', { text: 'first life' }, 1_000, first!.epoch);
    const file = exportSession(store, 'http://127.0.0.1/');
    expect(file.pageUpdates[0]).toMatchObject({ seq: 1, epoch: first!.epoch });
    const tampered = { ...file, pageUpdates: [{ ...file.pageUpdates[0], epoch: 42 }] };
    expect(() => readSession(JSON.stringify(tampered))).toThrow(/no topic or sequence number/);
  });
});
