/**
 * `onDispose(fn)` in live modules on a real Vite dev server: a module's cleanups run when its
 * new version takes over, when it is deleted, and at shutdown; a version that fails to load
 * cleans up after itself and leaves the running one alone.
 */
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

describe('onDispose', () => {
  it('runs the old version’s cleanups when the new version takes over', async () => {
    await app!.save('src/live/poller.ts', poller('p1'), (e) => e.file === 'src/live/poller.ts');
    expect(log()).toEqual([]);
    await app!.save('src/live/poller.ts', poller('p2'));
    expect(log()).toEqual(['p1']);
    expect(await client.call('poller/version')).toMatchObject({ t: 'result', data: 'p2' });
  });

  it('runs a failed version’s own cleanups and leaves the running version alone', async () => {
    const event = await app!.save('src/live/poller.ts', poller('p3', "throw new Error('cannot connect');"));
    expect(event.rolledBack).toBe(true);
    expect(log()).toEqual(['p1', 'p3']);
    expect(await client.call('poller/version')).toMatchObject({ t: 'result', data: 'p2' });
  });

  it('runs when the module is deleted', async () => {
    await app!.save('src/live/other.ts', poller('o1'), (e) => e.file === 'src/live/other.ts');
    const after = app!.reloads.length;
    app!.remove('src/live/other.ts');
    await app!.reload((e) => e.file === 'src/live/other.ts', after);
    expect(log()).toEqual(['p1', 'p3', 'o1']);
  });

  it('runs for every module when the server shuts down', async () => {
    client.close();
    await app!.close();
    app = undefined;
    await waitFor(() => log().includes('p2'), 'the shutdown cleanups', 5000);
    expect(log()).toEqual(['p1', 'p3', 'o1', 'p2']);
  });
});
