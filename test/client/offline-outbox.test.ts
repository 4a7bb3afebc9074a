/**
 * Calls made while the socket is away wait in the outbox, within bounds: at most `maxQueue`
 * of them (the next rejects at once with OFFLINE), each for at most `maxAge` ms (then OFFLINE),
 * and one that gave up is never sent later nor kept.
 */
import { describe, expect, it } from 'vitest';
import { RpcError } from '../../runtime/client/rpc-error.js';
import { ErrorCode } from '../../runtime/protocol.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, connectionProxy, useProxiedClientTests, type ConnectionProxy, type ProxiedServer } from '../helpers/client.js';
import { module, startServer } from '../helpers/server.js';

/** The test's server and the proxy in front of it, closed after each test. */
const net: ProxiedServer = {};
useProxiedClientTests(net);

let runs = 0;

/** A server behind a proxy that holds its hello: the client stays offline until `proxy.release()`. */
async function offline(): Promise<ConnectionProxy> {
  runs = 0;
  net.server = await startServer({ modules: [module('app', { count: live(() => ++runs) })] });
  net.proxy = await connectionProxy(net.server.url);
  net.proxy.holdServerFrames = true;
  return net.proxy;
}

describe('the offline outbox', () => {
  it('OFFLINE is a runtime error code', () => {
    expect(ErrorCode.OFFLINE).toBe('OFFLINE');
  });

  it('holds at most maxQueue calls: the next one rejects at once with OFFLINE', async () => {
    const proxy = await offline();
    const socket = clientSocket(proxy.url, { maxQueue: 3 });
    const waiting = [socket.call('app/count', []), socket.call('app/count', []), socket.call('app/count', [])];
    const error = await socket.call('app/count', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'OFFLINE', message: expect.stringContaining('3 calls') });
    proxy.release();
    expect(await Promise.all(waiting)).toEqual([1, 2, 3]);
    expect(runs).toBe(3);
  });

  it('rejects a call that waited maxAge with OFFLINE, and never sends it', async () => {
    const proxy = await offline();
    const socket = clientSocket(proxy.url, { maxAge: 50, timeout: 5000 });
    const error = await socket.call('app/count', []).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OFFLINE', message: expect.stringContaining('app/count') });
    proxy.release();
    expect(await socket.call('app/count', [])).toBe(1);
  });

  it('keeps nothing of the calls that gave up while offline', async () => {
    const proxy = await offline();
    const socket = clientSocket(proxy.url, { timeout: 20 });
    const codes = await Promise.all(Array.from({ length: 500 }, () => socket.call('app/count', []).catch((e: RpcError) => e.code)));
    expect(new Set(codes)).toEqual(new Set(['TIMEOUT']));
    expect(socket.queued).toBe(0);
    expect(socket.calls.size).toBe(1); // the call table's placeholder
    proxy.release();
    socket.options.timeout = 5000;
    expect(await socket.call('app/count', [])).toBe(1);
  });
});
