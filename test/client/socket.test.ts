/**
 * The browser client runtime's socket (LiveSocket, RpcError) in Node, against a real server.
 */
import { describe, expect, it, vi } from 'vitest';
import { RpcError } from '../../runtime/client/index.js';
import type { ConnectionStatus } from '../../runtime/client/status.js';
import { live, LiveError } from '../../runtime/server/index.js';
import { clientSocket, record, until, useClientTests } from '../helpers/client.js';
import { deferred, module, startServer, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

let gate = deferred<string>();
/**
 * Lets the test fail upgrades (while the server is "unavailable"). A plain error, answered with
 * HTTP 500, which the client retries; a LiveError would be a final refusal (4401/4403).
 */
let refuseUpgrades = 0;
/** While set, upgrades wait for it: the client stays offline until the test releases it. */
let upgradeGate: Promise<void> | undefined;
let runs = 0;

async function start(dev = true): Promise<TestServer> {
  gate = deferred<string>();
  refuseUpgrades = 0;
  upgradeGate = undefined;
  runs = 0;
  server = await startServer({
    modules: [
      module('app', {
        echo: live((_ctx, ...args: unknown[]) => args),
        fail: live(() => {
          throw new LiveError('EMPTY', 'Message is empty', { field: 'text' });
        }),
        crash: live(() => {
          throw new Error('kaput');
        }),
        wait: live(() => gate.promise),
        count: live(() => ++runs),
        feed: live.stream('feed', () => [])
      })
    ],
    hooks: {
      upgrade: async () => {
        await upgradeGate;
        if (refuseUpgrades > 0) {
          refuseUpgrades--;
          throw new Error('Try again later');
        }
        return null;
      }
    },
    options: { dev }
  });
  return server;
}

/** Drops every connection from the server side, as a restart or a network cut would. */
function dropAll(server: TestServer): void {
  for (const conn of server.runtime.connections.values()) conn.socket.terminate();
}

describe('calls', () => {
  it('resolves with rich values', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const cyclic: { self?: unknown; at: Date } = { at: new Date(1e12) };
    cyclic.self = cyclic;
    const [date, map, set, big, nothing, loop] = (await socket.call('app/echo', [
      new Date('2030-01-01T00:00:00Z'),
      new Map([[1, { deep: [1, 2] }]]),
      new Set([1n]),
      -(2n ** 100n),
      undefined,
      cyclic
    ])) as [Date, Map<number, unknown>, Set<bigint>, bigint, undefined, typeof cyclic];
    expect(date).toEqual(new Date('2030-01-01T00:00:00Z'));
    expect(map.get(1)).toEqual({ deep: [1, 2] });
    expect(set.has(1n)).toBe(true);
    expect(big).toBe(-(2n ** 100n));
    expect(nothing).toBeUndefined();
    expect(loop.self).toBe(loop);
    expect(loop.at).toEqual(new Date(1e12));
  });

  it('rejects with an RpcError carrying the LiveError code, message and details', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const error = await socket.call('app/fail', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'EMPTY', message: 'Message is empty', details: { field: 'text' } });
    expect(await socket.call('app/nope', []).catch((e: RpcError) => e.code)).toBe('UNKNOWN_PATH');
  });

  it('carries the server stack in dev, and nothing in production', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const dev = await start(true);
    const devError = (await clientSocket(dev.url).call('app/crash', []).catch((e: unknown) => e)) as RpcError;
    expect(devError).toMatchObject({ code: 'INTERNAL', message: 'kaput' });
    expect(devError.serverStack).toContain('Error: kaput');
    await dev.close();
    const prod = await start(false);
    const prodError = (await clientSocket(prod.url).call('app/crash', []).catch((e: unknown) => e)) as RpcError;
    expect(prodError).toMatchObject({ code: 'INTERNAL', message: 'Internal error', serverStack: undefined });
  });

  it('rejects with TIMEOUT when the server does not answer in time, and ignores the late answer', async () => {
    const { url } = await start();
    const socket = clientSocket(url, { timeout: 50 });
    const error = await socket.call('app/wait', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('app/wait') });
    gate.resolve('late');
    expect(await socket.call('app/echo', ['after'])).toEqual(['after']);
  });

  it('times each call out on its own deadline, however many wait and in whatever order they were made', async () => {
    const { url } = await start();
    const socket = clientSocket(url, { timeout: 60_000 });
    const patient = socket.call('app/wait', []).catch((e: RpcError) => e.code);
    // A shorter timeout set later applies to later calls: they must not wait for the first's deadline.
    socket.options.timeout = 50;
    const hasty = await Promise.all([socket.call('app/wait', []), socket.call('app/wait', [])].map((p) => p.catch((e: RpcError) => e.code)));
    expect(hasty).toEqual(['TIMEOUT', 'TIMEOUT']);
    // The first is still waiting, and takes its answer.
    gate.resolve('answered');
    expect(await patient).toBe('answered');
  });

  it('rejects a call in flight with DISCONNECTED when the server drops the socket, and works again after', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    expect(await socket.call('app/echo', [1])).toEqual([1]);
    const inFlight = socket.call('app/wait', []);
    await waitFor(() => server!.runtime.connections.size === 1 && [...server!.runtime.connections.values()][0].inFlight === 1, 'call running');
    dropAll(server!);
    const error = await inFlight.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'DISCONNECTED' });
    // The next call opens a new socket.
    expect(await socket.call('app/echo', [2])).toEqual([2]);
  });

  it('sends calls made before the socket opens once it is open', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const results = await Promise.all([socket.call('app/echo', ['a']), socket.call('app/echo', ['b']), socket.call('app/echo', ['c'])]);
    expect(results).toEqual([['a'], ['b'], ['c']]);
    expect(server!.runtime.connections.size).toBe(1);
  });

  it('answers a burst of calls made in one tick in order, and counts the calls after it as sent', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    await socket.call('app/echo', []);
    // More calls than the send queue keeps between frames: the burst's array is let go.
    const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => socket.call('app/echo', [i])));
    expect(burst).toEqual(Array.from({ length: 100 }, (_, i) => [i]));
    // Calls written after the burst are known to be sent: a drop fails them instead of resending them.
    const inFlight = [socket.call('app/wait', []), socket.call('app/wait', [])];
    await waitFor(() => [...server!.runtime.connections.values()][0]?.inFlight === 2, 'both calls running');
    dropAll(server!);
    expect(await Promise.all(inFlight.map((p) => p.catch((e: RpcError) => e.code)))).toEqual(['DISCONNECTED', 'DISCONNECTED']);
    expect(await socket.call('app/echo', ['again'])).toEqual(['again']);
  });

  it('refuses locally a call larger than the server accepts, and sends the others', async () => {
    const { url } = await start();
    server!.runtime.limits = { ...server!.runtime.limits, maxFrameBytes: 2048 };
    const socket = clientSocket(url);
    await socket.call('app/echo', []);
    const [big, small] = await Promise.allSettled([socket.call('app/echo', ['x'.repeat(4000)]), socket.call('app/echo', ['small'])]);
    expect(big).toMatchObject({ status: 'rejected', reason: { code: 'FRAME_TOO_LARGE' } });
    expect(small).toMatchObject({ status: 'fulfilled', value: ['small'] });
  });
});

describe('offline', () => {
  it('never sends a call that timed out before the socket opened', async () => {
    const { url } = await start();
    let release!: () => void;
    upgradeGate = new Promise((resolve) => (release = resolve));
    const socket = clientSocket(url, { timeout: 50 });
    expect(await socket.call('app/count', []).catch((e: RpcError) => e.code)).toBe('TIMEOUT');
    release();
    socket.options.timeout = 5000;
    // The next call goes out on the socket that now opens; the timed-out one never does.
    expect(await socket.call('app/count', [])).toBe(1);
    expect(runs).toBe(1);
  });

  it('sends calls that were still waiting when the socket reopens', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    await socket.call('app/echo', []);
    let release!: () => void;
    upgradeGate = new Promise((resolve) => (release = resolve));
    const states = record(socket.status);
    cleanups.push(states.stop);
    const unsubscribe = socket.subscribe({ path: 'app/feed', args: [], position: () => undefined, snapshot() {}, resumed() {}, event() {}, error() {} });
    cleanups.push(unsubscribe);
    dropAll(server!);
    await until(socket.status, (s) => s.state === 'reconnecting', 'reconnecting');
    const queued = socket.call('app/count', []);
    release();
    expect(await queued).toBe(1);
  });

  it('reports a subscription larger than the server accepts on its own error', async () => {
    const { url } = await start();
    server!.runtime.limits = { ...server!.runtime.limits, maxFrameBytes: 2048 };
    const socket = clientSocket(url);
    await socket.call('app/echo', []);
    const error = deferred<RpcError>();
    const unsubscribe = socket.subscribe({
      path: 'app/feed',
      args: ['x'.repeat(4000)],
      position: () => undefined,
      snapshot() {},
      resumed() {},
      event() {},
      error: (e) => error.resolve(e)
    });
    cleanups.push(unsubscribe);
    expect(await error.promise).toMatchObject({ code: 'FRAME_TOO_LARGE' });
  });
});

describe('reconnect', () => {
  it('reconnects with backoff, counting attempts, and resubscribes: reconnecting → open', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const states = record(socket.status);
    cleanups.push(states.stop);
    const unsubscribe = socket.subscribe({
      path: 'app/feed',
      args: [],
      position: () => undefined,
      snapshot: () => {},
      resumed: () => {},
      event: () => {},
      error: () => {}
    });
    cleanups.push(unsubscribe);
    await until(socket.status, (s) => s.state === 'open', 'open');
    await waitFor(() => server!.runtime.topics.subscriberCount('feed') === 1, 'subscribed');

    refuseUpgrades = 2;
    // The server logs the failed upgrades.
    vi.spyOn(console, 'error').mockImplementation(() => {});
    dropAll(server!);
    await until(socket.status, (s) => s.state === 'open' && states.values.some((v) => v.attempts === 3), 'open again after 3 attempts');
    await waitFor(() => server!.runtime.topics.subscriberCount('feed') === 1, 'subscribed again');

    const since = states.values.findIndex((s) => s.state === 'reconnecting');
    const transitions = compact(states.values.slice(since));
    expect(transitions).toEqual([
      { state: 'reconnecting', attempts: 1 },
      { state: 'reconnecting', attempts: 2 },
      { state: 'reconnecting', attempts: 3 },
      { state: 'open', attempts: 0 }
    ]);
    // The id calls see as ctx.connectionId, under the same name here; `connection` is its old name.
    expect(socket.status.get().connectionId).toMatch(/^c/);
    expect(socket.status.get().connection).toBe(socket.status.get().connectionId);
  });

  it('goes idle instead of reconnecting when nothing needs the socket', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    await socket.call('app/echo', []);
    dropAll(server!);
    await until(socket.status, (s) => s.state === 'idle', 'idle');
    expect(socket.status.get()).toMatchObject({ state: 'idle', connectionId: null, connection: null });
    // And opens again on the next use.
    expect(await socket.call('app/echo', ['again'])).toEqual(['again']);
  });

  it('measures latency with ping', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    await socket.call('app/echo', []);
    socket.ping();
    const status = await until(socket.status, (s) => s.latency !== null, 'latency');
    expect(status.latency).toBeGreaterThanOrEqual(0);
  });
});

/** Status values without repeats of the same state and attempt count. */
function compact(values: ConnectionStatus[]): { state: string; attempts: number }[] {
  const out: { state: string; attempts: number }[] = [];
  for (const { state, attempts } of values) {
    const last = out.at(-1);
    if (!last || last.state !== state || last.attempts !== attempts) out.push({ state, attempts });
  }
  return out;
}
