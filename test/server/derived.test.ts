import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { Client } from '../../runtime/client/index.js';
import type { LiveStore } from '../../runtime/client/stream.js';
import { guard, live } from '../../runtime/server/handlers.js';
import { LiveError } from '../../runtime/server/errors.js';
import { module, startServer, TestClient, type TestServer, waitFor } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('live.derived', () => {
  it('snapshots fn() and sends the recomputed value as a set event when a source publishes', async () => {
    const orders: number[] = [];
    const refunds: number[] = [];
    const total = live.derived(['orders', 'refunds'], () => orders.reduce((a, b) => a + b, 0) - refunds.reduce((a, b) => a + b, 0), { debounce: 0 });
    server = await startServer({ modules: [module('stats', { total })] });
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('stats/total')).toMatchObject({ t: 'snapshot', data: 0, merge: { merge: 'set' } });

    orders.push(30);
    server.runtime.publish('orders', 'created', { amount: 30 });
    expect(await client.next((m) => m.t === 'event')).toMatchObject({ event: 'set', data: 30 });
    refunds.push(5);
    server.runtime.publish('refunds', 'created', { amount: 5 });
    expect(await client.next((m) => m.t === 'event')).toMatchObject({ event: 'set', data: 25 });
    client.close();
  });

  it('listens to its sources only while someone subscribes', async () => {
    let computed = 0;
    const count = live.derived(['orders'], () => ++computed, { debounce: 0 });
    server = await startServer({ modules: [module('stats', { count })] });
    const topics = server.runtime.topics;
    server.runtime.publish('orders', 'created', {});
    expect(topics.listenerCount('orders')).toBe(0);
    expect(computed).toBe(0);

    const a = await TestClient.connect(server.url);
    const b = await TestClient.connect(server.url);
    const subA = await a.subscribe('stats/count');
    await b.subscribe('stats/count');
    expect(topics.listenerCount('orders')).toBe(1); // one upstream, shared by both subscribers
    expect(computed).toBe(1); // the second subscriber got the cached value

    a.send({ t: 'unsub', id: subA.id });
    await waitFor(() => topics.subscriberCount('@derived:stats/count') === 1, 'a to leave');
    expect(topics.listenerCount('orders')).toBe(1);
    b.close();
    await waitFor(() => topics.listenerCount('orders') === 0, 'the upstream to be released');
    const before = computed;
    server.runtime.publish('orders', 'created', {});
    expect(computed).toBe(before);
    a.close();
  });

  it('keeps its subscribers across a reload that replaces the handler, computing with the new code', async () => {
    const orders: number[] = [];
    const total = (factor: number) => live.derived(['orders'], () => orders.reduce((a, b) => a + b, 0) * factor, { debounce: 0 });
    server = await startServer({ modules: [module('stats', { total: total(1) })] });
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('stats/total')).toMatchObject({ t: 'snapshot', data: 0 });

    // A reload: the module is evaluated again, so the handler is a new object.
    server.runtime.load({ modules: [module('stats', { total: total(10) })] });
    orders.push(3);
    server.runtime.publish('orders', 'created', { amount: 3 });
    expect(await client.next((m) => m.t === 'event')).toMatchObject({ event: 'set', data: 30 });
    expect(server.runtime.topics.listenerCount('orders')).toBe(1); // the old upstream is gone

    // Removed by the next reload: its upstream stops, the subscriber gets nothing more.
    server.runtime.load({ modules: [module('stats', {})] });
    expect(server.runtime.topics.listenerCount('orders')).toBe(0);
    client.close();
  });

  it('computes sources from ctx and arguments: one value per argument list', async () => {
    const messages = new Map<string, string[]>([['lobby', ['hi']], ['dev', []]]);
    const seen: unknown[] = [];
    const unread = live.derived(
      (ctx, room: string) => {
        seen.push(ctx.user);
        return [`messages:${room}`];
      },
      (room: string) => messages.get(room)?.length ?? 0,
      { debounce: 0 }
    );
    server = await startServer({ modules: [module('rooms', { unread })], hooks: { upgrade: () => ({ id: 'u1' }) } });
    const client = await TestClient.connect(server.url);
    const lobby = await client.subscribe('rooms/unread', ['lobby']);
    const dev = await client.subscribe('rooms/unread', ['dev']);
    expect(lobby).toMatchObject({ t: 'snapshot', data: 1 });
    expect(dev).toMatchObject({ t: 'snapshot', data: 0 });
    expect(seen).toContainEqual({ id: 'u1' });
    expect(lobby.t === 'snapshot' && dev.t === 'snapshot' && lobby.topic !== dev.topic).toBe(true);

    messages.get('dev')!.push('first');
    server.runtime.publish('messages:dev', 'created', 'first');
    const event = await client.next((m) => m.t === 'event');
    expect(event).toMatchObject({ event: 'set', data: 1, topic: (dev as { topic: string }).topic });
    expect(client.events((lobby as { topic: string }).topic)).toEqual([]);
    client.close();
  });

  it('refuses sources that are not a list of topics with a message naming the export', async () => {
    const broken = live.derived(() => 'not-a-list' as unknown as string[], () => 1);
    server = await startServer({ modules: [module('stats', { broken })] });
    const logged: string[] = [];
    server.runtime.logError = (error) => logged.push((error as Error).message);
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('stats/broken')).toMatchObject({ t: 'error', code: 'INTERNAL' });
    expect(logged).toEqual(['src/live/stats.ts: the sources of live.derived export broken must be a list of 1 to 100 non-empty topic strings']);
    // The connection lives on.
    expect(await client.subscribe('stats/broken')).toMatchObject({ t: 'error', code: 'INTERNAL' });
    client.close();
    expect(() => live.derived([], () => 1)).toThrow(TypeError);
    expect(() => live.derived(['a'], () => 1, { debounce: -1 })).toThrow(TypeError);
  });

  it("is refused by its module's guard, before any upstream starts", async () => {
    let computed = 0;
    const secret = live.derived(['payroll'], () => ++computed);
    const check = guard((ctx) => {
      if ((ctx.user as { admin?: boolean } | null)?.admin !== true) throw new LiveError('FORBIDDEN', 'Admins only');
    });
    server = await startServer({ modules: [module('admin', { guard: check, secret })] });
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('admin/secret')).toMatchObject({ t: 'error', code: 'FORBIDDEN', message: 'Admins only' });
    expect(computed).toBe(0);
    expect(server.runtime.topics.listenerCount('payroll')).toBe(0);
    client.close();
  });

  it('reports a recomputation that throws and recovers on the next source event', async () => {
    let fail = false;
    let value = 0;
    const flaky = live.derived(['t'], () => {
      if (fail) throw new Error('upstream unavailable');
      return value;
    }, { debounce: 0 });
    server = await startServer({ modules: [module('stats', { flaky })] });
    const logged: string[] = [];
    server.runtime.logError = (error, where) => logged.push(`${where}: ${(error as Error).message}`);
    const client = await TestClient.connect(server.url);
    await client.subscribe('stats/flaky');
    fail = true;
    server.runtime.publish('t', 'x', null);
    await waitFor(() => logged.length === 1, 'the failure to be reported');
    expect(logged[0]).toBe('src/live/stats.ts live.derived stats/flaky: upstream unavailable');
    fail = false;
    value = 7;
    server.runtime.publish('t', 'x', null);
    expect(await client.next((m) => m.t === 'event')).toMatchObject({ event: 'set', data: 7 });
    client.close();
  });

  it('keeps work and memory bounded while a source publishes 10 000 events per second', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let received = 0;
    let computed = 0;
    const summary = live.derived(['firehose'], () => {
      computed++;
      return received;
    }, { debounce: 20 });
    const counter = live.effect('firehose', () => {
      received++;
    });
    server = await startServer({ modules: [module('stats', { summary, counter })] });
    const client = await TestClient.connect(server.url);
    await client.subscribe('stats/summary');
    const EVENTS = 10_000;
    const payload = 'x'.repeat(2048);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    // 10 000 events in bursts of 100 per turn of the event loop: the order of a second's worth.
    for (let i = 0; i < EVENTS; i += 100) {
      for (let j = 0; j < 100; j++) server.runtime.publish('firehose', 'tick', { i: i + j, payload: `${payload}${i + j}` });
      await tick();
    }
    await waitFor(() => received === EVENTS, 'the effect to see every event');
    const last = await client.next((m) => m.t === 'event' && m.data === EVENTS, 10_000);
    expect(last).toMatchObject({ event: 'set', data: EVENTS });
    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const sent = client.events('@derived:stats/summary').length + 1;
    // Every event was seen; the derived value was recomputed a bounded number of times.
    // At most one recomputation per burst (plus the snapshot), however long the bursts take.
    expect(computed).toBeLessThanOrEqual(EVENTS / 100 + 1);
    expect(sent).toBeLessThanOrEqual(computed);
    // Nothing is kept per event: 10 000 events of 2 KB would be 20 MB if they were queued.
    expect(heapGrowth).toBeLessThan(8 * 1024 * 1024);
    client.close();
  });

  it('types the client side as a store, or a store factory when sources take arguments', () => {
    const total = live.derived(['orders'], async () => ({ sum: 1 }));
    const unread = live.derived((_ctx, room: string) => [room], (room: string) => room.length);
    expectTypeOf<Client<typeof total>>().toEqualTypeOf<LiveStore<{ sum: number }>>();
    expectTypeOf<Client<typeof unread>>().toEqualTypeOf<(room: string) => LiveStore<number>>();
  });
});
