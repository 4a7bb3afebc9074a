/**
 * `onDispose(fn)` in live modules on a real Vite dev server: a module's cleanups run before its
 * new version's top level (so the new version can take what the old one held), when it is
 * deleted, and at shutdown; a version that fails to load cleans up after itself and the
 * version it replaced is loaded again from its source.
 */
import { freePort } from '../helpers/ports.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/server.js';
import { startDevApp, waitFor, type DevApp } from '../helpers/vite.js';

let app: DevApp | undefined;
let client: TestClient;
beforeAll(async () => {
  app = await startDevApp('hmr-app', 'dispose');
  client = await TestClient.connect(app.url);
});
afterAll(async () => {
  client?.close();
  await app?.close();
});

const log = () => ((globalThis as Record<string, unknown>).__hmrDisposed ??= []) as string[];

const poller = (version: string, extra = '') => `import { live, onDispose } from 'svelte-realtime/server';

const disposed = ((globalThis as any).__hmrDisposed ??= []);
const timer = setInterval(() => {}, 60_000);
onDispose(() => {
  clearInterval(timer);
  disposed.push('${version}');
});
${extra}
export const version = live(() => '${version}');
`;

/** A live module that binds a TCP port at its top level and releases it in onDispose. */
const listener = (port: number, version: number, extra = '') => `import net from 'node:net';
import { live, onDispose } from 'svelte-realtime/server';

const holders = ((globalThis as any).__portHolders ??= { now: 0, most: 0, failed: 0 });
const server = net.createServer();
await new Promise<void>((resolve, reject) => {
  server.once('error', (error) => {
    holders.failed++;
    reject(error);
  });
  server.listen(${port}, '127.0.0.1', () => resolve());
});
holders.now++;
holders.most = Math.max(holders.most, holders.now);
onDispose(() => new Promise<void>((resolve) => server.close(() => {
  holders.now--;
  resolve();
})));
${extra}
export const state = live(() => ({ version: ${version}, port: ${port}, listening: server.listening }));
`;

const holders = () => (globalThis as Record<string, unknown>).__portHolders;

describe('onDispose', () => {
  it('runs the old version’s cleanups when the new version loads', async () => {
    await app!.save('src/live/poller.ts', poller('p1'), (e) => e.file === 'src/live/poller.ts');
    expect(log()).toEqual([]);
    await app!.save('src/live/poller.ts', poller('p2'));
    expect(log()).toEqual(['p1']);
    expect(await client.call('poller/version')).toMatchObject({ t: 'result', data: 'p2' });
  });

  it('runs a failed version’s own cleanups and loads the running version again', async () => {
    const event = await app!.save('src/live/poller.ts', poller('p3', "throw new Error('cannot connect');"));
    expect(event.rolledBack).toBe(true);
    // p2 released before p3 ran, p3 cleaned up after itself, p2 evaluated again.
    expect(log()).toEqual(['p1', 'p2', 'p3']);
    expect(await client.call('poller/version')).toMatchObject({ t: 'result', data: 'p2' });
  });

  it('runs when the module is deleted', async () => {
    await app!.save('src/live/other.ts', poller('o1'), (e) => e.file === 'src/live/other.ts');
    const after = app!.reloads.length;
    app!.remove('src/live/other.ts');
    await app!.reload((e) => e.file === 'src/live/other.ts', after);
    expect(log()).toEqual(['p1', 'p2', 'p3', 'o1']);
  });

  it('releases what the old version holds before the new version’s top level runs: 20 saves bind one port in turn', async () => {
    const port = await freePort();
    await app!.save('src/live/listener.ts', listener(port, 0), (e) => e.file === 'src/live/listener.ts');
    expect(await client.call('listener/state')).toMatchObject({ t: 'result', data: { version: 0, listening: true } });
    for (let version = 1; version <= 20; version++) {
      const event = await app!.save('src/live/listener.ts', listener(port, version));
      expect(event, `save ${version}`).toMatchObject({ rolledBack: false, changed: [{ path: 'listener/state' }] });
      expect(await client.call('listener/state')).toMatchObject({ t: 'result', data: { version, listening: true } });
    }
    expect(holders()).toEqual({ now: 1, most: 1, failed: 0 });
  });

  it('brings the released version back when the new one throws while loading, and keeps it through a syntax error', async () => {
    const port = (await client.call('listener/state') as { data: { port: number } }).data.port;
    const failed = await app!.save('src/live/listener.ts', listener(port, 21, "throw new Error('no config');"));
    expect(failed.rolledBack).toBe(true);
    // The previous version answers, and it holds the port again.
    expect(await client.call('listener/state')).toMatchObject({ t: 'result', data: { version: 20, listening: true } });
    expect(holders()).toMatchObject({ now: 1, most: 1 });

    const broken = await app!.save('src/live/listener.ts', listener(port, 22, 'export const = 1;'));
    expect(broken.rolledBack).toBe(true);
    expect(await client.call('listener/state')).toMatchObject({ t: 'result', data: { version: 20, listening: true } });

    await app!.save('src/live/listener.ts', listener(port, 23));
    expect(await client.call('listener/state')).toMatchObject({ t: 'result', data: { version: 23, listening: true } });
    expect(holders()).toEqual({ now: 1, most: 1, failed: 0 });
  });

  it('runs for every module when the server shuts down', async () => {
    client.close();
    await app!.close();
    app = undefined;
    await waitFor(() => log().includes('p2'), 'the shutdown cleanups', 5000);
    expect(log()).toEqual(['p1', 'p2', 'p3', 'o1', 'p2']);
  });
});
