/**
 * A refused socket: the server accepts the upgrade and closes at once with 4401 (UNAUTHORIZED)
 * or 4403 (FORBIDDEN), the close reason saying why. The page sees it on the `connection`
 * store, every call and store fails with that code, and nothing retries until the app asks.
 */
import { describe, expect, it } from 'vitest';
import { RpcError } from '../../runtime/client/index.js';
import { reopen } from '../../runtime/client/reconnect.js';
import { createStream } from '../../runtime/client/stream.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, connectionProxy, current, record, until, useProxiedClientTests, type ConnectionProxy, type ProxiedServer } from '../helpers/client.js';
import { module, startServer } from '../helpers/server.js';

/** The test's server and the proxy in front of it, closed after each test. */
const net: ProxiedServer = {};
const cleanups = useProxiedClientTests(net);

async function start(): Promise<ConnectionProxy> {
  net.server = await startServer({ modules: [module('app', { feed: live.stream('feed', () => ['item']), echo: live((_ctx, x: unknown) => x) })] });
  net.proxy = await connectionProxy(net.server.url);
  return net.proxy;
}

/** Long enough for many reconnect attempts at the test sockets' backoff (at most 40 ms each). */
const SEVERAL_BACKOFFS = 300;

describe('a refused socket', () => {
  it.each([
    [4401, 'UNAUTHORIZED', 'Log in first'],
    [4403, 'FORBIDDEN', 'Not for you']
  ])('closed with %i: refused with %s, calls and stores fail with it, no retry', async (closeCode, code, reason) => {
    const proxy = await start();
    proxy.refuseWith = { code: closeCode, reason };
    const socket = clientSocket(proxy.url);
    const feed = createStream(() => socket, 'app/feed', []);
    const values = record(feed);
    cleanups.push(values.stop);
    const pending = socket.call('app/echo', [1]).catch((e: unknown) => e);

    const status = await until(socket.status, (s) => s.state === 'refused', 'refused');
    expect(status).toMatchObject({ state: 'refused', code, reason, connection: null });
    const error = await pending;
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code, message: reason });
    expect(current(feed.status)).toBe('error');
    expect(current(feed.error)).toMatchObject({ code, message: reason });

    // A new call fails at once, and a new store too, without a new socket.
    await expect(socket.call('app/echo', [2])).rejects.toMatchObject({ code, message: reason });
    const other = createStream(() => socket, 'app/feed', ['other']);
    const otherValues = record(other);
    cleanups.push(otherValues.stop);
    expect(current(other.status)).toBe('error');
    expect(current(other.error)).toMatchObject({ code });
    await new Promise((resolve) => setTimeout(resolve, SEVERAL_BACKOFFS));
    expect(proxy.accepted).toBe(1);
    expect(current(socket.status).state).toBe('refused');
  });

  it('reports an unnamed refusal with a message that says what happened', async () => {
    const proxy = await start();
    proxy.refuseWith = { code: 4401, reason: '' };
    const socket = clientSocket(proxy.url);
    const error = (await socket.call('app/echo', []).catch((e: unknown) => e)) as RpcError;
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/refused/i);
  });

  it('other close codes still reconnect', async () => {
    const proxy = await start();
    const socket = clientSocket(proxy.url);
    const feed = createStream(() => socket, 'app/feed', []);
    const values = record(feed);
    cleanups.push(values.stop);
    await until(feed.status, (s) => s === 'ready', 'ready');
    for (const conn of net.server!.runtime.connections.values()) conn.socket.close(4000, 'going away');
    await until(socket.status, (s) => s.state === 'reconnecting', 'reconnecting');
    await until(socket.status, (s) => s.state === 'open', 'open again');
  });

  it('ends when the app reconnects, and the stores load', async () => {
    const proxy = await start();
    proxy.refuseWith = { code: 4401, reason: 'Log in first' };
    const socket = clientSocket(proxy.url);
    const feed = createStream<string[]>(() => socket, 'app/feed', []);
    const values = record(feed);
    cleanups.push(values.stop);
    await until(socket.status, (s) => s.state === 'refused', 'refused');

    proxy.refuseWith = undefined;
    const status = await reopen(socket);
    expect(status.state).toBe('open');
    expect(status.code).toBeUndefined();
    expect(status.reason).toBeUndefined();
    await until(feed.status, (s) => s === 'ready', 'ready');
    expect(current(feed.error)).toBeNull();
    expect(values.values.at(-1)).toEqual(['item']);
    expect(await socket.call('app/echo', ['hi'])).toBe('hi');
  });

  it('a reconnect refused again resolves with the refusal', async () => {
    const proxy = await start();
    const socket = clientSocket(proxy.url);
    expect(await socket.call('app/echo', [1])).toBe(1);
    proxy.refuseWith = { code: 4403, reason: 'Banned' };
    const status = await reopen(socket);
    expect(status).toMatchObject({ state: 'refused', code: 'FORBIDDEN', reason: 'Banned' });
  });
});
