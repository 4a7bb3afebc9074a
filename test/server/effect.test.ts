import { afterEach, describe, expect, it } from 'vitest';
import { guard, live } from '../../runtime/server/handlers.js';
import type { EffectEvent } from '../../runtime/server/kinds/effect.js';
import type { TelemetryEvent } from '../../runtime/server/telemetry.js';
import { Runtime } from '../../runtime/server/runtime.js';
import { module, startServer, TestClient, type TestServer, waitFor } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('live.effect', () => {
  it('runs for every publish on its sources, from an RPC or from the server, and may publish itself', async () => {
    const seen: EffectEvent[] = [];
    const send = live((ctx, text: string) => {
      ctx.publish('messages', 'created', { text });
      return 'sent';
    });
    const audit = live.effect(['messages', 'users'], (event, ctx) => {
      seen.push(event);
      ctx.publish('audit', 'logged', `${event.topic}/${event.event}`);
    });
    const log = live.stream('audit', () => [], { merge: 'latest' });
    server = await startServer({ modules: [module('chat', { send, audit, log })] });
    const client = await TestClient.connect(server.url);
    await client.subscribe('chat/log');
    expect(await client.call('chat/send', 'hello')).toMatchObject({ t: 'result', data: 'sent' });
    server.runtime.publish('users', 'joined', { id: 'u1' });
    server.runtime.publish('elsewhere', 'ignored', null);
    await waitFor(() => seen.length === 2, 'both events');
    expect(seen).toEqual([
      { topic: 'messages', event: 'created', data: { text: 'hello' } },
      { topic: 'users', event: 'joined', data: { id: 'u1' } }
    ]);
    expect(await client.next((m) => m.t === 'event' && m.data === 'users/joined')).toMatchObject({ topic: 'audit' });
    client.close();
  });

  it('reports a throw to onError and the telemetry, and still runs for later events', async () => {
    const failures: [string, EffectEvent][] = [];
    const handled: number[] = [];
    const mailer = live.effect('orders', async (event) => {
      const { id } = event.data as { id: number };
      if (id === 2) throw new Error('SMTP refused');
      handled.push(id);
    }, { onError: (error, event) => failures.push([(error as Error).message, event]) });
    const ping = live(() => 'pong');
    server = await startServer({ modules: [module('shop', { mailer, ping })] });
    const telemetry: TelemetryEvent[] = [];
    server.runtime.telemetry.listen((e) => telemetry.push(e));
    for (const id of [1, 2, 3]) server.runtime.publish('orders', 'created', { id });
    await waitFor(() => handled.length === 2 && failures.length === 1, 'three effect runs');
    expect(handled).toEqual([1, 3]);
    expect(failures).toEqual([['SMTP refused', { topic: 'orders', event: 'created', data: { id: 2 } }]]);
    const effects = telemetry.filter((e) => e.type === 'effect');
    expect(effects.map((e) => e.ok)).toEqual([true, false, true]);
    expect(effects[1]).toMatchObject({ path: 'shop/mailer', topic: 'orders', event: 'created', error: { message: 'SMTP refused' } });
    const client = await TestClient.connect(server.url);
    expect(await client.call('shop/ping')).toMatchObject({ t: 'result', data: 'pong' });
    client.close();
  });

  it('logs a throw when there is no onError, synchronous or not', async () => {
    const logged: string[] = [];
    const sync = live.effect('t', () => {
      throw new Error('sync');
    });
    const later = live.effect('t', async () => {
      await Promise.resolve();
      throw new Error('async');
    });
    server = await startServer({ modules: [module('fx', { sync, later })] });
    server.runtime.logError = (error, where) => logged.push(`${where}: ${(error as Error).message}`);
    server.runtime.publish('t', 'go', null);
    await waitFor(() => logged.length === 2, 'both errors');
    expect(logged.sort()).toEqual([
      'src/live/fx.ts live.effect fx/later (event go on t): async',
      'src/live/fx.ts live.effect fx/sync (event go on t): sync'
    ]);
  });

  it('runs only while registered: a reload without it stops it', async () => {
    let runs = 0;
    const counter = live.effect('t', () => {
      runs++;
    });
    let markers = 0;
    const marker = live.effect('t', () => {
      markers++;
    });
    server = await startServer({ modules: [module('fx', { counter })] });
    server.runtime.publish('t', 'a', null);
    await waitFor(() => runs === 1, 'the first run');
    server.runtime.load({ modules: [module('other', { marker })] });
    expect(server.runtime.topics.listenerCount('t')).toBe(1);
    server.runtime.publish('t', 'b', null);
    await waitFor(() => markers === 1, 'the new effect');
    expect(runs).toBe(1);
  });

  it('has no client entry point, guarded module or not', async () => {
    const fx = live.effect('t', () => undefined);
    server = await startServer({ modules: [module('fx', { fx }), module('admin', { guard: guard(() => false), fx2: live.effect('t', () => undefined) })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('fx/fx')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(await client.subscribe('fx/fx')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(await client.call('admin/fx2')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    client.close();
    expect(() => live.effect([], () => undefined)).toThrow(TypeError);
    expect(() => live.effect('t', 'nope' as never)).toThrow(TypeError);
  });

  it('runs at most `concurrency` calls at once, in publish order with 1, and drops past maxQueue with a report', async () => {
    const gates: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const slow = live.effect(
      'jobs',
      async ({ data }) => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        order.push(data as number);
        running--;
      },
      { concurrency: 1, maxQueue: 3 }
    );
    const wide = live.effect('wide', async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
    });
    const errors: string[] = [];
    const runtime = new Runtime();
    runtime.logError = (error) => void errors.push(String((error as Error).message));
    server = await startServer({ modules: [module('work', { slow, wide })] }, runtime);
    for (let i = 1; i <= 10; i++) server.runtime.publish('jobs', 'queued', i);
    await waitFor(() => gates.length === 1 && errors.length === 1, 'the first job to start, and the report');
    // One running, three waiting, six dropped and reported once.
    expect(errors).toEqual([expect.stringContaining('6 event(s) dropped')]);
    while (order.length < 4) {
      await waitFor(() => gates.length > 0, 'the next job');
      gates.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(order).toEqual([1, 2, 3, 4]);
    expect(most).toBe(1);
    // The default runs 16 at once, not one per event without bound.
    most = 0;
    for (let i = 0; i < 40; i++) server.runtime.publish('wide', 'queued', i);
    await waitFor(() => gates.length === 16, '16 running');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(most).toBe(16);
    while (gates.length > 0 || running > 0) {
      for (const open of gates.splice(0)) open();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  });

  it('refuses a bad concurrency or queue size when the module loads', () => {
    expect(() => live.effect('x', () => {}, { concurrency: 0 })).toThrow(/concurrency must be a positive integer/);
    expect(() => live.effect('x', () => {}, { maxQueue: -1 })).toThrow(/maxQueue must be a whole number/);
  });
});
