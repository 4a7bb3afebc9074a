import { afterEach, describe, expect, it, vi } from 'vitest';
import { guard, live, LiveError, publish } from '../../runtime/server/index.js';
import { getRuntime } from '../../runtime/server/runtime.js';
import { deferred, module, serverPerTest, waitFor, type TestClient } from '../helpers/server.js';

const fixture = serverPerTest();
afterEach(() => vi.restoreAllMocks());
const connect = (): Promise<TestClient> => fixture.connect();

type Event = { t: 'event'; topic: string; seq: number; event: string; data: unknown };

/** Waits until `client` has received `count` events of `topic`, and returns them in order. */
async function eventsOf(client: TestClient, topic: string, count: number): Promise<Event[]> {
  const events: Event[] = [];
  while (events.length < count) events.push((await client.next((m) => m.t === 'event' && m.topic === topic)) as Event);
  return events;
}

const rooms = {
  room: live.stream((_ctx, id: string) => `room:${id}`, (_ctx, id: string) => [{ id: 0, text: `welcome to ${id}` }]),
  say: live((ctx, id: string, text: string) => {
    const message = { id: Date.now(), text };
    ctx.publish(`room:${id}`, 'created', message);
    return message;
  }),
  shout: live((ctx, texts: string[]) => {
    for (const [i, text] of texts.entries()) ctx.publish('room:a', 'created', { id: i + 1, text });
    return texts.length;
  })
};

describe('dynamic topics', () => {
  it('keeps rooms apart: a publish to room:a never reaches room:b subscribers', async () => {
    await fixture.start({ modules: [module('chat', rooms)] });
    const inA = await connect();
    const inB = await connect();
    const inBoth = await connect();
    expect(await inA.subscribe('chat/room', ['a'])).toMatchObject({ t: 'snapshot', topic: 'room:a', data: [{ text: 'welcome to a' }] });
    expect(await inB.subscribe('chat/room', ['b'])).toMatchObject({ t: 'snapshot', topic: 'room:b', data: [{ text: 'welcome to b' }] });
    await inBoth.subscribe('chat/room', ['a']);
    await inBoth.subscribe('chat/room', ['b']);

    expect(await inA.call('chat/say', 'a', 'hello a')).toMatchObject({ t: 'result' });
    expect(await inB.call('chat/say', 'b', 'hello b')).toMatchObject({ t: 'result' });

    expect((await eventsOf(inA, 'room:a', 1))[0]).toMatchObject({ seq: 1, data: { text: 'hello a' } });
    expect((await eventsOf(inB, 'room:b', 1))[0]).toMatchObject({ seq: 1, data: { text: 'hello b' } });
    expect((await eventsOf(inBoth, 'room:a', 1))[0]).toMatchObject({ data: { text: 'hello a' } });
    expect((await eventsOf(inBoth, 'room:b', 1))[0]).toMatchObject({ data: { text: 'hello b' } });
    // Everything each client had was read above: a round trip later, nothing crossed over.
    await inA.call('chat/say', 'none', 'flush');
    await inB.call('chat/say', 'none', 'flush');
    expect(inA.messages.filter((m) => m.t === 'event')).toEqual([]);
    expect(inB.messages.filter((m) => m.t === 'event')).toEqual([]);
  });

  it('counts sequence numbers per topic', async () => {
    await fixture.start({ modules: [module('chat', rooms)] });
    const client = await connect();
    await client.subscribe('chat/room', ['a']);
    await client.subscribe('chat/room', ['b']);
    await client.call('chat/say', 'a', '1');
    await client.call('chat/say', 'a', '2');
    await client.call('chat/say', 'b', '1');
    expect((await eventsOf(client, 'room:a', 2)).map((e) => e.seq)).toEqual([1, 2]);
    expect((await eventsOf(client, 'room:b', 1)).map((e) => e.seq)).toEqual([1]);
  });

  it('stops sending a topic after unsub, and the client can subscribe again', async () => {
    const server = await fixture.start({ modules: [module('chat', rooms)] });
    const client = await connect();
    const sub = await client.subscribe('chat/room', ['a']);
    client.send({ t: 'unsub', id: sub.id });
    await waitFor(() => server.runtime.topics.subscriberCount('room:a') === 0, 'unsubscribed');
    server.runtime.publish('room:a', 'created', { id: 9 });
    await client.call('chat/say', 'other', 'round trip');
    expect(client.events('room:a')).toEqual([]);
    expect(await client.subscribe('chat/room', ['a'])).toMatchObject({ t: 'snapshot', position: { seq: 1 } });
  });

  it('forgets a subscription whose unsub arrives while its guard still runs', async () => {
    const gate = deferred();
    const server = await fixture.start({
      modules: [module('slow', { feed: live.stream('feed', () => []), wait: guard(() => gate.promise) })]
    });
    const client = await connect();
    const id = client.id();
    client.send({ t: 'sub', id, path: 'slow/feed', args: [] }, { t: 'unsub', id });
    gate.resolve();
    const pong = client.id();
    client.send({ t: 'ping', id: pong });
    await client.next((m) => m.t === 'pong');
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.runtime.topics.subscriberCount('feed')).toBe(0);
    expect(client.messages.filter((m) => m.t === 'snapshot')).toEqual([]);
  });

  it('sends one event per connection however many of its subscriptions follow the topic', async () => {
    const server = await fixture.start({
      modules: [module('feeds', { all: live.stream('feed', () => []), last: live.stream('feed', () => [], { merge: 'latest', max: 2 }) })]
    });
    const client = await connect();
    const first = await client.subscribe('feeds/all');
    const second = await client.subscribe('feeds/last');
    expect(second).toMatchObject({ t: 'snapshot', merge: { merge: 'latest', max: 2 } });
    server.runtime.publish('feed', 'created', { id: 1 });
    expect(await eventsOf(client, 'feed', 1)).toMatchObject([{ seq: 1 }]);
    client.send({ t: 'unsub', id: first.id });
    server.runtime.publish('feed', 'created', { id: 2 });
    expect(await eventsOf(client, 'feed', 1)).toMatchObject([{ seq: 2 }]);
    client.send({ t: 'unsub', id: second.id });
    await waitFor(() => server.runtime.topics.subscriberCount('feed') === 0, 'unsubscribed');
    await client.call('feeds/none').catch(() => {});
    expect(client.messages.filter((m) => m.t === 'event' && m.seq === 1)).toEqual([]);
  });
});

describe('publishing', () => {
  it('delivers publish() from outside a handler, and ctx.publish from a handler, in one sequence', async () => {
    await fixture.start({ modules: [module('chat', rooms)] }, getRuntime());
    const watcher = await connect();
    const speaker = await connect();
    await watcher.subscribe('chat/room', ['a']);
    publish('room:a', 'created', { id: 100, text: 'from a webhook' });
    expect(await speaker.call('chat/shout', ['x', 'y', 'z'])).toMatchObject({ t: 'result', data: 3 });
    publish('room:a', 'deleted', 100);
    const events = await eventsOf(watcher, 'room:a', 5);
    expect(events.map((e) => [e.seq, e.event, e.data])).toEqual([
      [1, 'created', { id: 100, text: 'from a webhook' }],
      [2, 'created', { id: 1, text: 'x' }],
      [3, 'created', { id: 2, text: 'y' }],
      [4, 'created', { id: 3, text: 'z' }],
      [5, 'deleted', 100]
    ]);
  });

  it('keeps the order of many publishes, with consecutive sequence numbers', async () => {
    const server = await fixture.start({ modules: [module('chat', rooms)] });
    const client = await connect();
    await client.subscribe('chat/room', ['a']);
    for (let i = 1; i <= 200; i++) server.runtime.publish('room:a', 'created', { id: i, at: new Date(i) });
    const events = await eventsOf(client, 'room:a', 200);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(events.map((e) => (e.data as { id: number }).id)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect((events[9].data as { at: Date }).at).toEqual(new Date(10));
  });

  it('refuses a publish whose topic or event is not a string', async () => {
    await fixture.start({ modules: [] }, getRuntime());
    expect(() => publish(42 as unknown as string, 'created', 1)).toThrow(/topic and event must be strings/);
    expect(() => publish('t', undefined as unknown as string, 1)).toThrow(/topic and event must be strings/);
  });

  it('sends events published while init runs after the snapshot, never before', async () => {
    const gate = deferred<string[]>();
    const server = await fixture.start({ modules: [module('slow', { feed: live.stream('feed', () => gate.promise, { merge: 'latest' }) })] });
    const client = await connect();
    const id = client.id();
    client.send({ t: 'sub', id, path: 'slow/feed', args: [] });
    await waitFor(() => server.runtime.topics.subscriberCount('feed') === 1, 'subscribed');
    server.runtime.publish('feed', 'created', 'during init');
    gate.resolve(['initial']);
    const snapshot = await client.next((m) => m.t === 'snapshot');
    expect(snapshot).toMatchObject({ data: ['initial'], position: { seq: 0 } });
    expect(await eventsOf(client, 'feed', 1)).toMatchObject([{ seq: 1, data: 'during init' }]);
    // The snapshot came first in the stream of messages.
    expect(client.messages.some((m) => m.t === 'event')).toBe(false);
  });
});

describe('stream failures', () => {
  it('answers an init that throws with its error and keeps no subscription', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const server = await fixture.start({
      modules: [
        module('bad', {
          refused: live.stream('refused', () => {
            throw new LiveError('GONE', 'This feed was removed');
          }),
          crashed: live.stream('crashed', async () => {
            throw new Error('boom');
          }),
          unsendable: live.stream('unsendable', () => [{ render: () => 'x' }]),
          badTopic: live.stream((() => '') as (ctx: unknown) => string, () => [])
        })
      ],
      options: { dev: false }
    });
    const client = await connect();
    expect(await client.subscribe('bad/refused')).toMatchObject({ t: 'error', code: 'GONE', message: 'This feed was removed' });
    expect(await client.subscribe('bad/crashed')).toMatchObject({ t: 'error', code: 'INTERNAL', message: 'Internal error' });
    expect(await client.subscribe('bad/unsendable')).toMatchObject({ t: 'error', code: 'INTERNAL' });
    expect(await client.subscribe('bad/badTopic')).toMatchObject({ t: 'error', code: 'INTERNAL' });
    for (const topic of ['refused', 'crashed', 'unsendable']) expect(server.runtime.topics.subscriberCount(topic)).toBe(0);
    expect(await client.call('bad/none')).toMatchObject({ code: 'UNKNOWN_PATH' });
  });
});
