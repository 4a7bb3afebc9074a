/**
 * What topics can make the server hold is bounded in bytes, not only in count: a topic name a
 * client's argument computes is capped, events are kept for replay only where a resuming kind
 * follows the topic, and names plus history stay under a budget (retained topics go first).
 */
import { describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/index.js';
import { Topics, type TopicSubscriber } from '../../runtime/server/topics.js';
import { module, serverPerTest } from '../helpers/server.js';
import { isSignalTopic } from '../../runtime/server/signals.js';

const sink: TopicSubscriber = { sendEvent() {} };

describe('topic budget (Topics)', () => {
  it('refuses a subscription to a topic name over maxTopicLength with LIMIT', () => {
    const topics = new Topics({ maxTopicLength: 16 });
    expect(() => topics.subscribe('x'.repeat(17), sink)).toThrow(expect.objectContaining({ code: 'LIMIT' }));
    expect(() => topics.position('x'.repeat(17))).toThrow(expect.objectContaining({ code: 'LIMIT' }));
    expect(topics.list()).toEqual([]);
    expect(topics.subscribe('x'.repeat(16), sink)).toMatchObject({ seq: 0 });
  });

  it('keeps no history for a topic only non-resuming kinds follow', () => {
    const topics = new Topics();
    topics.subscribe('typing', sink, undefined, undefined, false);
    for (let i = 0; i < 100; i++) topics.publish('typing', 'typing', { text: 'x'.repeat(1000) });
    expect(topics.retainedBytes()).toBe('typing'.length);
    // A resuming subscriber starts history from its position: nothing earlier can be replayed.
    const position = topics.subscribe('typing', sink);
    expect(topics.eventsSince('typing', { epoch: position.epoch, seq: 50 })).toBeNull();
    topics.publish('typing', 'typing', 'y');
    expect(topics.eventsSince('typing', position)).toHaveLength(1);
    topics.close();
  });

  it('stays under maxRetainedBytes: retained topics go first, oldest first', () => {
    const topics = new Topics({ maxRetainedBytes: 10_000 });
    for (const name of ['a', 'b', 'c']) {
      topics.subscribe(name, sink);
      topics.publish(name, 'created', 'x'.repeat(3000));
      topics.unsubscribe(name, sink);
    }
    topics.subscribe('live', sink);
    topics.publish('live', 'created', 'x'.repeat(3000));
    expect(topics.retainedBytes()).toBeLessThanOrEqual(10_000);
    // 'a' was the oldest retained topic; the subscribed one keeps its history.
    expect(topics.list().map((t) => t.topic)).toEqual(['b', 'c', 'live']);
    expect(topics.eventsSince('live', { epoch: topics.position('live').epoch, seq: 0 })).toHaveLength(1);
    topics.close();
  });

  it('then lets go of the largest history, and a resume from it re-runs init (null), never a gap', () => {
    const topics = new Topics({ maxRetainedBytes: 20_000 });
    const small = topics.subscribe('small', sink);
    topics.publish('small', 'created', 'x'.repeat(100));
    const big = topics.subscribe('big', sink);
    for (let i = 0; i < 30; i++) topics.publish('big', 'created', 'x'.repeat(1000));
    expect(topics.retainedBytes()).toBeLessThanOrEqual(20_000);
    expect(topics.eventsSince('big', big)).toBeNull();
    expect(topics.eventsSince('small', small)).toHaveLength(1);
    // New events after the cut are kept and replay from a position after it.
    const after = { epoch: big.epoch, seq: 30 };
    topics.publish('big', 'created', 'y');
    expect(topics.eventsSince('big', after)).toHaveLength(1);
    topics.close();
  });
});

describe('topic budget (over the wire)', () => {
  const fixture = serverPerTest();

  it('refuses a dynamic topic built from a huge argument with LIMIT, and keeps serving', async () => {
    const server = await fixture.start({
      modules: [module('board', { room: live.stream((_ctx, id: string) => `room:${id}`, () => []), echo: live((_ctx, x: number) => x) })]
    });
    const attacker = await fixture.connect();
    const bystander = await fixture.connect();
    const refused = await attacker.subscribe('board/room', ['x'.repeat(200_000)]);
    expect(refused).toMatchObject({ t: 'error', code: 'LIMIT' });
    expect(server.runtime.topics.list().filter((t) => !isSignalTopic(t.topic))).toEqual([]);
    expect(await attacker.call('board/echo', 1)).toMatchObject({ t: 'result', data: 1 });
    expect(await bystander.subscribe('board/room', ['lobby'])).toMatchObject({ t: 'snapshot' });
  });
});
