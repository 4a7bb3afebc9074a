import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { live, LiveError } from '../../runtime/server/index.js';
import type { WsHooks } from '../../runtime/server/index.js';
import { module, startServer, TestClient, upgradeStatus, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const savedOrigin = process.env.ORIGIN;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (savedOrigin === undefined) delete process.env.ORIGIN;
  else process.env.ORIGIN = savedOrigin;
  vi.restoreAllMocks();
});

const whoami = { whoami: live((ctx) => ({ user: ctx.user, connection: ctx.connection })) };

async function start(hooks: WsHooks, origins: string[] = []): Promise<TestServer> {
  server = await startServer({ modules: [module('me', whoami)], hooks, options: { origins } });
  return server;
}

describe('upgrade hook', () => {
  it('hands what it returns to ctx.user, from cookies, URL and headers', async () => {
    const sessions = new Map([['s3cr3t', { id: 'u1', name: 'Ada Lovelace' }]]);
    const { url } = await start({
      upgrade: async ({ cookies, url, request }) => {
        await Promise.resolve();
        const user = sessions.get(cookies.get('session') ?? '');
        return user && { ...user, room: url.searchParams.get('room'), agent: request.headers.get('user-agent') };
      }
    });
    const client = await TestClient.connect(`${url}?room=lobby`, { headers: { cookie: 'theme=dark; session=s3cr3t', 'user-agent': 'test-agent' } });
    expect(await client.call('me/whoami')).toMatchObject({
      data: { user: { id: 'u1', name: 'Ada Lovelace', room: 'lobby', agent: 'test-agent' } }
    });
    const anonymous = await TestClient.connect(url);
    expect(await anonymous.call('me/whoami')).toMatchObject({ data: { user: null } });
    client.close();
    anonymous.close();
  });

  it('gives a null user when there is no hook', async () => {
    const { url } = await start({});
    const client = await TestClient.connect(url);
    expect(await client.call('me/whoami')).toMatchObject({ data: { user: null } });
    client.close();
  });

  it("refuses with 401 for LiveError('UNAUTHORIZED'), 403 for any other LiveError", async () => {
    const { url } = await start({
      upgrade: ({ url }) => {
        const as = url.searchParams.get('as');
        if (as === 'nobody') throw new LiveError('UNAUTHORIZED', 'Log in first');
        if (as === 'banned') throw new LiveError('FORBIDDEN', 'Banned');
        if (as === 'other') throw new LiveError('TOO_MANY_TABS', 'Close a tab');
        return { as };
      }
    });
    expect(await upgradeStatus(`${url}?as=nobody`)).toBe(401);
    expect(await upgradeStatus(`${url}?as=banned`)).toBe(403);
    expect(await upgradeStatus(`${url}?as=other`)).toBe(403);
    expect(await upgradeStatus(`${url}?as=ada`)).toBe(101);
  });

  it('refuses with 500 and logs the error when the hook crashes; the next upgrade works', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    let crash = true;
    const { url } = await start({
      upgrade: async () => {
        if (crash) throw new Error('session store unreachable');
        return { ok: true };
      }
    });
    expect(await upgradeStatus(url)).toBe(500);
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0][0])).toContain('upgrade');
    expect(log.mock.calls[0][1]).toMatchObject({ message: 'session store unreachable' });
    crash = false;
    const client = await TestClient.connect(url);
    expect(await client.call('me/whoami')).toMatchObject({ data: { user: { ok: true } } });
    client.close();
  });

  it('does not answer upgrades for other paths', async () => {
    const { port } = await start({});
    await expect(TestClient.connect(`ws://127.0.0.1:${port}/not-realtime`)).rejects.toThrow();
    await expect(TestClient.connect(`ws://127.0.0.1:${port}/__realtime/x`)).rejects.toThrow();
  });
});

describe('open and close hooks', () => {
  it('run with the connection id, the user and the close code', async () => {
    const seen: string[] = [];
    const { url } = await start({
      upgrade: () => ({ name: 'ada' }),
      open: ({ connection, user }) => void seen.push(`open ${connection} ${(user as { name: string }).name}`),
      close: ({ connection, user, code }) => void seen.push(`close ${connection} ${(user as { name: string }).name} ${code}`)
    });
    const client = await TestClient.connect(url);
    const { data } = (await client.call('me/whoami')) as { data: { connection: string } };
    expect(seen).toEqual([`open ${data.connection} ada`]);
    client.socket.close(4000, 'bye');
    await waitFor(() => seen.length === 2, 'close hook');
    expect(seen[1]).toBe(`close ${data.connection} ada 4000`);
    expect(server!.runtime.connections.size).toBe(0);
  });

  it('logs a hook that throws and keeps serving', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    let first = '';
    const { url } = await start({
      open: () => {
        throw new Error('open failed');
      },
      close: async ({ connection }) => {
        if (connection === first) throw new Error('close failed');
      }
    });
    const client = await TestClient.connect(url);
    const reply = (await client.call('me/whoami')) as { data: { connection: string } };
    first = reply.data.connection;
    client.close();
    await waitFor(() => log.mock.calls.length === 2, 'both hooks logged');
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringContaining('open'), expect.stringContaining('close')]);
    const again = await TestClient.connect(url);
    expect(await again.call('me/whoami')).toMatchObject({ t: 'result' });
    again.close();
  });
});

describe('origins', () => {
  it('accepts the same host, refuses another origin with 403', async () => {
    const { url, port } = await start({});
    expect(await upgradeStatus(url, { origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgradeStatus(url, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { origin: `http://127.0.0.1:${port + 1}` })).toBe(403);
    expect(await upgradeStatus(url, { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(url, { origin: 'not a url' })).toBe(403);
  });

  it('accepts origins listed in options.origins', async () => {
    const { url } = await start({}, ['https://admin.example.com']);
    expect(await upgradeStatus(url, { origin: 'https://admin.example.com' })).toBe(101);
    expect(await upgradeStatus(url, { origin: 'http://admin.example.com' })).toBe(403);
    expect(await upgradeStatus(url, { origin: 'https://admin.example.com.evil.example' })).toBe(403);
  });

  it("accepts any origin with '*'", async () => {
    const { url } = await start({}, ['*']);
    expect(await upgradeStatus(url, { origin: 'https://anywhere.example' })).toBe(101);
  });

  it('accepts the origin in process.env.ORIGIN (adapter-node)', async () => {
    process.env.ORIGIN = 'https://my-app.example.com';
    const { url } = await start({});
    expect(await upgradeStatus(url, { origin: 'https://my-app.example.com' })).toBe(101);
    expect(await upgradeStatus(url, { origin: 'https://other.example.com' })).toBe(403);
  });

  it('refuses (does not crash) when process.env.ORIGIN is not a URL', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    process.env.ORIGIN = 'my-app.example.com';
    const { url, port } = await start({});
    expect(await upgradeStatus(url, { origin: 'https://other.example.com' })).toBe(403);
    expect(await upgradeStatus(url, { origin: `http://127.0.0.1:${port}` })).toBe(101);
  });

  it('accepts a client that sends no Origin (not a browser)', async () => {
    const { url } = await start({});
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.close();
  });

  it('runs the upgrade hook only for allowed origins', async () => {
    let calls = 0;
    const { url } = await start({ upgrade: () => void calls++ });
    expect(await upgradeStatus(url, { origin: 'https://evil.example' })).toBe(403);
    expect(calls).toBe(0);
  });
});
