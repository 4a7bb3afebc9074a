import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { Client } from '../../runtime/client/index.js';
import type { LiveStore } from '../../runtime/client/stream.js';
import { guard, live } from '../../runtime/server/handlers.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('live.aggregate', () => {
  it('folds count, sum, min, max and a custom reducer over the events, published as one set value', async () => {
    const stats = live.aggregate(
      'orders',
      {
        orders: 'count',
        revenue: { sum: 'amount' },
        smallest: { min: 'amount' },
        largest: { max: 'amount' },
        customers: { init: () => [] as string[], reduce: (list: string[], data) => {
          const who = (data as { customer: string }).customer;
          return list.includes(who) ? list : [...list, who];
        } }
      },
      { events: ['created'], debounce: 0 }
    );
    server = await startServer({ modules: [module('shop', { stats })] });
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('shop/stats')).toMatchObject({
      t: 'snapshot',
      topic: '@aggregate:shop/stats',
      merge: { merge: 'set' },
      data: { orders: 0, revenue: 0, smallest: null, largest: null, customers: [] }
    });
    server.runtime.publish('orders', 'created', { amount: 30, customer: 'ada' });
    server.runtime.publish('orders', 'created', { amount: 12, customer: 'bob' });
    server.runtime.publish('orders', 'deleted', { amount: 1000, customer: 'eve' }); // not counted: events filter
    server.runtime.publish('orders', 'created', { amount: 'n/a', customer: 'ada' }); // counted, amount skipped
    const event = await client.next((m) => m.t === 'event' && (m.data as { orders: number }).orders === 3);
    expect(event).toMatchObject({
      event: 'set',
      data: { orders: 3, revenue: 42, smallest: 12, largest: 30, customers: ['ada', 'bob'] }
    });
    // A second subscriber's snapshot is the current value.
    const other = await TestClient.connect(server.url);
    expect(await other.subscribe('shop/stats')).toMatchObject({ data: { orders: 3, revenue: 42 } });
    client.close();
    other.close();
  });

  it('publishes a bounded number of updates for a flood of events, and keeps counting without subscribers', async () => {
    const total = live.aggregate('clicks', { n: 'count' }, { topic: 'click-stats', debounce: 10 });
    server = await startServer({ modules: [module('ui', { total })] });
    for (let i = 0; i < 500; i++) server.runtime.publish('clicks', 'click', null);
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('ui/total')).toMatchObject({ topic: 'click-stats', data: { n: 500 } });
    for (let burst = 0; burst < 10; burst++) {
      for (let i = 0; i < 1000; i++) server.runtime.publish('clicks', 'click', null);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await client.next((m) => m.t === 'event' && (m.data as { n: number }).n === 10_500);
    // At most one publish per burst (plus one for the events before subscribing).
    expect(client.events('click-stats').length).toBeLessThanOrEqual(11);
    client.close();
  });

  it('reports a custom reducer that throws and keeps its previous value', async () => {
    const logged: string[] = [];
    const picky = live.aggregate('t', {
      n: 'count',
      last: { init: () => 0, reduce: (_value: number, data) => {
        if (typeof data !== 'number') throw new Error('not a number');
        return data;
      } }
    }, { debounce: 0 });
    server = await startServer({ modules: [module('m', { picky })] });
    server.runtime.logError = (error, where) => logged.push(`${where}: ${(error as Error).message}`);
    server.runtime.publish('t', 'x', 5);
    server.runtime.publish('t', 'x', 'five');
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('m/picky')).toMatchObject({ data: { n: 2, last: 5 } });
    expect(logged).toEqual(['src/live/m.ts reducer last of live.aggregate m/picky: not a number']);
    client.close();
  });

  it("is refused by its module's guard", async () => {
    const secret = live.aggregate('salaries', { total: { sum: 'amount' } });
    server = await startServer({ modules: [module('hr', { guard: guard(() => false), secret })] });
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('hr/secret')).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    expect(await client.call('hr/secret')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    client.close();
  });

  it('refuses bad reducers and options when the module loads', () => {
    expect(() => live.aggregate('t', {})).toThrow(/at least one reducer/);
    expect(() => live.aggregate('t', { x: 'median' as never })).toThrow(/reducer "x" must be 'count'/);
    expect(() => live.aggregate('t', { x: { sum: 5 } as never })).toThrow(TypeError);
    expect(() => live.aggregate('', { n: 'count' })).toThrow(TypeError);
    expect(() => live.aggregate('t', { n: 'count' }, { topic: 't' })).toThrow(/must differ/);
    expect(() => live.aggregate('t', { n: 'count' }, { debounce: Number.NaN })).toThrow(TypeError);
  });

  it("types the client side as a store of the reducers' values", () => {
    const stats = live.aggregate('o', {
      n: 'count',
      total: { sum: 'a' },
      low: { min: 'a' },
      names: { init: () => [] as string[], reduce: (list: string[]) => list }
    });
    expectTypeOf<Client<typeof stats>>().toEqualTypeOf<LiveStore<{ n: number; total: number; low: number | null; names: string[] }>>();
  });
});
