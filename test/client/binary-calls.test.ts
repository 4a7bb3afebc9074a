/**
 * live.binary calls from the browser client runtime, against a real server: bytes out and back,
 * and the same rules as every call while the socket is away (bounded, refused with the socket).
 */
import { describe, expect, it } from 'vitest';
import { callBinary } from '../../runtime/client/binary-calls.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, connectionProxy, until, useProxiedClientTests, type ConnectionProxy, type ProxiedServer } from '../helpers/client.js';
import { module, startServer } from '../helpers/server.js';

/** The test's server and the proxy in front of it, closed after each test. */
const net: ProxiedServer = {};
useProxiedClientTests(net);

const reverse = live.binary((_ctx, data: Uint8Array, label?: string) => (label === 'size' ? data.length : data.slice().reverse()));

async function start(): Promise<ConnectionProxy> {
  net.server = await startServer({ modules: [module('files', { reverse })] });
  net.proxy = await connectionProxy(net.server.url);
  return net.proxy;
}

describe('binary calls', () => {
  it('send bytes and get bytes, or a value, back', async () => {
    const proxy = await start();
    const socket = clientSocket(proxy.url);
    expect(await callBinary(socket, 'files/reverse', Uint8Array.from([1, 2, 3]), [])).toEqual(Uint8Array.from([3, 2, 1]));
    expect(await callBinary(socket, 'files/reverse', new Uint8Array(5), ['size'])).toBe(5);
  });

  it('wait for the socket within maxQueue like every call', async () => {
    const proxy = await start();
    proxy.holdServerFrames = true;
    const socket = clientSocket(proxy.url, { maxQueue: 1 });
    const waiting = callBinary(socket, 'files/reverse', Uint8Array.from([1, 2]), []);
    await expect(callBinary(socket, 'files/reverse', Uint8Array.from([3]), [])).rejects.toMatchObject({ code: 'OFFLINE' });
    proxy.release();
    expect(await waiting).toEqual(Uint8Array.from([2, 1]));
  });

  it('fail at once on a refused socket', async () => {
    const proxy = await start();
    proxy.refuseWith = { code: 4403, reason: 'No uploads' };
    const socket = clientSocket(proxy.url);
    await expect(socket.call('files/other', [])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await until(socket.status, (s) => s.state === 'refused', 'refused');
    await expect(callBinary(socket, 'files/reverse', Uint8Array.from([1]), [])).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'No uploads' });
  });
});
