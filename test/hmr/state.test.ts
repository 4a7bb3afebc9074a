/**
 * What survives a reload in a real Vite dev server: subscriptions (their data, their
 * connection, the new handler's publishes), calls in flight, and the handlers' timers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/server.js';
import { startDevApp, waitFor, type DevApp } from '../helpers/vite.js';

let app: DevApp;
let client: TestClient;
beforeAll(async () => {
  app = await startDevApp('hmr-app', 'state');
  client = await TestClient.connect(app.url);
});
afterAll(async () => {
  client?.close();
  await app?.close();
});

const feed = (version: string) => `import { live } from 'svelte-realtime/server';

export const items = live.stream('feed', () => ['${version} init'], { merge: 'latest' });

export const post = live((ctx, text: string) => {
  ctx.publish('feed', 'added', \`${version}:\${text}\`);
  return true;
});
`;

describe('a subscriber', () => {
  it('keeps its data and connection across a reload and gets the new handler’s publishes', async () => {
    const snapshot = await client.subscribe('feed/items');
    expect(snapshot).toMatchObject({ t: 'snapshot', data: ['first'] });
    await client.call('feed/post', 'a');
    expect(await client.next((m) => m.t === 'event' && m.topic === 'feed')).toMatchObject({ data: 'v1:a' });

    await app.save('src/live/feed.ts', feed('v2'));
    await client.call('feed/post', 'b');
    expect(await client.next((m) => m.t === 'event' && m.topic === 'feed')).toMatchObject({ data: 'v2:b', seq: 2 });
    // init did not run again for the existing subscription: no second snapshot.
    expect(client.messages.filter((m) => m.t === 'snapshot')).toEqual([]);
    expect(client.socket.readyState).toBe(1);

    // A new subscription runs the new init.
    const other = await TestClient.connect(app.url);
    expect(await other.subscribe('feed/items')).toMatchObject({ t: 'snapshot', data: ['v2 init'] });
    other.close();
  });
});

describe('calls in flight', () => {
  it('finish on the handler they started on; the next call runs the new one', async () => {
    const slow = (version: string) => `import { live } from 'svelte-realtime/server';

const gate = ((globalThis as any).__hmrGate ??= { waiting: 0, release: [] as (() => void)[] });

export const work = live(async () => {
  gate.waiting++;
  await new Promise<void>((resolve) => gate.release.push(resolve));
  return '${version}';
});
`;
    const gate = ((globalThis as Record<string, unknown>).__hmrGate ??= { waiting: 0, release: [] }) as { waiting: number; release: (() => void)[] };
    await app.save('src/live/slow.ts', slow('old'), (e) => e.file === 'src/live/slow.ts');
    const first = client.call('slow/work');
    await waitFor(() => gate.waiting === 1, 'the call to start', 10_000);

    await app.save('src/live/slow.ts', slow('new'));
    const second = client.call('slow/work');
    await waitFor(() => gate.waiting === 2, 'the second call to start', 10_000);
    for (const release of gate.release.splice(0)) release();
    expect(await first).toMatchObject({ t: 'result', data: 'old' });
    expect(await second).toMatchObject({ t: 'result', data: 'new' });
  });
});

/**
 * A handler holding a timer while it is registered, as cron, effects and aggregates do
 * (`activate` returns the disposer). Live timers are counted on globalThis.
 */
const ticker = (version: string, ms: number) => `import { live } from 'svelte-realtime/server';

const timers = ((globalThis as any).__hmrTimers ??= new Map());

export const tick = live(() => '${version}');
(tick as any).activate = (host: { publish(topic: string, event: string, data?: unknown): void }) => {
  const timer = setInterval(() => host.publish('ticks', 'tick', '${version}'), ${ms});
  timers.set(timer, '${version}');
  return () => {
    clearInterval(timer);
    timers.delete(timer);
  };
};
`;
const timers = () => [...(((globalThis as Record<string, unknown>).__hmrTimers as Map<unknown, string>) ?? new Map()).values()];

describe('timers', () => {
  it('restart with the new handler and schedule, leaving one timer', async () => {
    await app.save('src/live/ticker.ts', ticker('t1', 60_000), (e) => e.file === 'src/live/ticker.ts');
    expect(timers()).toEqual(['t1']);
    const watcher = await TestClient.connect(app.url);
    // Follow the ticks topic through a stream declared for it.
    await app.save('src/live/ticks.ts', `import { live } from 'svelte-realtime/server';\nexport const ticks = live.stream('ticks', () => [], { merge: 'latest' });\n`, (e) => e.file === 'src/live/ticks.ts');
    expect(await watcher.subscribe('ticks/ticks')).toMatchObject({ t: 'snapshot' });

    // The new schedule (every 20 ms instead of every minute) takes effect with the new code.
    await app.save('src/live/ticker.ts', ticker('t2', 20));
    expect(await watcher.next((m) => m.t === 'event' && m.topic === 'ticks')).toMatchObject({ data: 't2' });
    expect(timers()).toEqual(['t2']);
    watcher.close();
  });

  it('50 saves in a row leave one set of registrations and one timer', async () => {
    for (let i = 1; i <= 50; i++) {
      app.write('src/live/ticker.ts', ticker(`r${i}`, 60_000));
      // Let the watcher and the reloader interleave with the saves.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => timers().includes('r50') || undefined, 'the last save', 15_000);
    await app.idle();
    expect(timers()).toEqual(['r50']);
    expect(await client.call('ticker/tick')).toMatchObject({ t: 'result', data: 'r50' });
    const paths = app.runtime.registry.list().map((e) => e.path);
    expect(paths).toEqual([...new Set(paths)]);
    expect(paths).toEqual(['feed/items', 'feed/post', 'greet/hello', 'slow/work', 'stats/dbVersion', 'ticker/tick', 'ticks/ticks']);
  });

  it('a module that fails to load keeps its previous timer running', async () => {
    await app.save('src/live/ticker.ts', ticker('broken', 60_000) + "\nthrow new Error('bad config');\n");
    expect(timers()).toEqual(['r50']);
    await app.save('src/live/ticker.ts', ticker('fixed', 60_000));
    expect(timers()).toEqual(['fixed']);
  });
});

describe('live.cron', () => {
  const cron = (version: string, schedule: string) => `import { live } from 'svelte-realtime/server';

export const clock = live.cron('${schedule}', 'clock', () => '${version}');
export const view = live.stream('clock', () => null, { merge: 'set' });
`;
  const labels = (c: TestClient) => c.events('clock').map((e) => e.data);

  it('takes a changed schedule and function, with one job and no timer left behind after 50 saves', async () => {
    await app.save('src/live/cron.ts', cron('c0', '0 0 1 1 *'), (e) => e.file === 'src/live/cron.ts');
    expect(app.runtime.cronJobs()).toMatchObject([{ path: 'cron/clock', schedule: '0 0 1 1 *' }]);
    const watcher = await TestClient.connect(app.url);
    expect(await watcher.subscribe('cron/view')).toMatchObject({ t: 'snapshot' });

    for (let i = 1; i <= 50; i++) {
      app.write('src/live/cron.ts', cron(`c${i}`, '* * * * * *'));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Every second now, with the last save's function.
    await watcher.next((m) => m.t === 'event' && m.topic === 'clock' && m.data === 'c50', 15_000);
    await app.idle();
    labels(watcher);
    // Between two runs of the job a second passes: any timer left from an earlier save would
    // have published its own label in between.
    const a = await watcher.next((m) => m.t === 'event' && m.topic === 'clock', 5000);
    const b = await watcher.next((m) => m.t === 'event' && m.topic === 'clock', 5000);
    expect([a, b, ...watcher.events('clock')].map((e) => (e as { data: unknown }).data)).toEqual(['c50', 'c50']);
    expect(app.runtime.cronJobs()).toMatchObject([{ path: 'cron/clock', schedule: '* * * * * *' }]);
    watcher.close();
  });

  it('an invalid schedule rolls the whole reload back and says where', async () => {
    const event = await app.save('src/live/cron.ts', cron('bad', 'every minute'));
    expect(event.rolledBack).toBe(true);
    expect(event.error).toMatchObject({ file: 'src/live/cron.ts', line: 3 });
    expect(event.error?.message).toMatch(/src\/live\/cron\.ts:3:\d+ failed to start: .*invalid schedule "every minute"/);
    expect(app.runtime.cronJobs()).toMatchObject([{ path: 'cron/clock', schedule: '* * * * * *' }]);
    await app.save('src/live/cron.ts', cron('c51', '0 0 1 1 *'));
    expect(app.runtime.cronJobs()).toMatchObject([{ path: 'cron/clock', schedule: '0 0 1 1 *' }]);
  });
});
