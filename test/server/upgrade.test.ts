import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { live, LiveError } from '../../runtime/server/index.js';
import type { WsHooks } from '../../runtime/server/index.js';
import { module, startServer, TestClient, upgradeStatus, waitFor, type TestServer } from '../helpers/server.js';

/**
 * How an upgrade ends: the HTTP status when it is refused as HTTP, 101 when the socket opens and
 * the server says hello, or the close code when the server accepts and closes at once (then
 * `reason` is the close reason, and `received` counts what the server sent before closing).
 */
function outcome(url: string, options: { origin?: string } = {}): Promise<{ code: number; reason?: string; received?: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { origin: options.origin });
    let received = 0;
    socket.once('unexpected-response', (_req, res) => {
      resolve({ code: res.statusCode ?? 0 });
      res.resume();
      socket.terminate();
    });
    socket.on('message', () => {
      received++;
      resolve({ code: 101 });
      socket.close();
    });
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString(), received }));
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
const codeOf = async (url: string, options: { origin?: string } = {}) => (await outcome(url, options)).code;

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

  it("refuses by closing at once with 4401 for LiveError('UNAUTHORIZED'), 4403 for any other, the message as reason", async () => {
    const { url } = await start({
      upgrade: ({ url }) => {
        const as = url.searchParams.get('as');
        if (as === 'nobody') throw new LiveError('UNAUTHORIZED', 'Log in first');
        if (as === 'banned') throw new LiveError('FORBIDDEN', 'Banned');
        if (as === 'other') throw new LiveError('TOO_MANY_TABS', 'Close a tab');
        return { as };
      }
    });
    expect(await outcome(`${url}?as=nobody`)).toEqual({ code: 4401, reason: 'Log in first', received: 0 });
    expect(await outcome(`${url}?as=banned`)).toEqual({ code: 4403, reason: 'Banned', received: 0 });
    expect(await outcome(`${url}?as=other`)).toEqual({ code: 4403, reason: 'Close a tab', received: 0 });
    expect(await codeOf(`${url}?as=ada`)).toBe(101);
    expect(server!.runtime.connections.size).toBeLessThanOrEqual(1);
  });

  it('bounds the close reason to the 123 bytes a close frame carries, at a character boundary', async () => {
    const { url } = await start({
      upgrade: () => {
        throw new LiveError('UNAUTHORIZED', 'é'.repeat(100));
      }
    });
    const { code, reason } = await outcome(url);
    expect(code).toBe(4401);
    expect(Buffer.byteLength(reason!)).toBeLessThanOrEqual(123);
    expect(reason).toBe(`${'é'.repeat(60)}…`);
  });

  it('runs no open or close hook for a refused upgrade', async () => {
    const seen: string[] = [];
    const { url } = await start({
      upgrade: () => {
        throw new LiveError('FORBIDDEN', 'No');
      },
      open: () => void seen.push('open'),
      close: () => void seen.push('close')
    });
    expect(await codeOf(url)).toBe(4403);
    expect(seen).toEqual([]);
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
  it('accepts the same host, refuses another origin by closing at once with 4403, sending nothing', async () => {
    const { url, port } = await start({});
    expect(await codeOf(url, { origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await outcome(url, { origin: 'https://evil.example' })).toEqual({ code: 4403, reason: 'Origin not allowed', received: 0 });
    expect(await codeOf(url, { origin: `http://127.0.0.1:${port + 1}` })).toBe(4403);
    expect(await codeOf(url, { origin: 'null' })).toBe(4403);
    expect(await codeOf(url, { origin: 'not a url' })).toBe(4403);
  });

  it('accepts origins listed in options.origins', async () => {
    const { url } = await start({}, ['https://admin.example.com']);
    expect(await codeOf(url, { origin: 'https://admin.example.com' })).toBe(101);
    expect(await codeOf(url, { origin: 'http://admin.example.com' })).toBe(4403);
    expect(await codeOf(url, { origin: 'https://admin.example.com.evil.example' })).toBe(4403);
  });

  it("accepts any origin with '*'", async () => {
    const { url } = await start({}, ['*']);
    expect(await upgradeStatus(url, { origin: 'https://anywhere.example' })).toBe(101);
  });

  it('accepts the origin in process.env.ORIGIN (adapter-node)', async () => {
    process.env.ORIGIN = 'https://my-app.example.com';
    const { url } = await start({});
    expect(await codeOf(url, { origin: 'https://my-app.example.com' })).toBe(101);
    expect(await codeOf(url, { origin: 'https://other.example.com' })).toBe(4403);
  });

  it('refuses (does not crash) when process.env.ORIGIN is not a URL', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    process.env.ORIGIN = 'my-app.example.com';
    const { url, port } = await start({});
    expect(await codeOf(url, { origin: 'https://other.example.com' })).toBe(4403);
    expect(await codeOf(url, { origin: `http://127.0.0.1:${port}` })).toBe(101);
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
    expect(await codeOf(url, { origin: 'https://evil.example' })).toBe(4403);
    expect(calls).toBe(0);
  });
});
