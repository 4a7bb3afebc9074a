/**
 * Network conditions from the overlay, on the real client runtime against a real server: going
 * offline makes the socket drop and stay away until back online, a drop reconnects on its own,
 * added latency slows every round trip, and a bad latency is a RangeError that says the range.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LATENCY_MS, NetworkConditions } from '../../devtools-ui/data/network-conditions.js';
import type { TappedSocket } from '../../runtime/devtools-wire/tap.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, until, useClientTests } from '../helpers/client.js';
import { module, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

async function setup() {
  server = await startServer({ modules: [module('m', { echo: live((_ctx, value: unknown) => value), feed: live.stream('feed', async () => [] as number[]) })] });
  const socket = clientSocket(server.url);
  cleanups.push(() => socket['ws']?.close());
  const network = new NetworkConditions(() => [socket as TappedSocket], globalThis as unknown as { WebSocket: typeof WebSocket });
  cleanups.push(() => network.reset());
  // A stream keeps the socket wanted, so it reconnects after a drop.
  const stop = socket.subscribe({ path: 'm/feed', args: [], position: () => undefined, snapshot() {}, resumed() {}, event() {}, error() {} });
  cleanups.push(stop);
  await until(socket.status, (s) => s.state === 'open', 'open');
  return { socket, network };
}

describe('network conditions for this page', () => {
  it('offline: the socket drops and keeps failing to open until back online, then reconnects', async () => {
    const { socket, network } = await setup();
    const Real = globalThis.WebSocket;
    network.setOffline(true);
    await until(socket.status, (s) => s.state === 'reconnecting' && s.attempts >= 3, 'several failed attempts');
    expect(socket.status.get().connectionId).toBeNull();
    network.setOffline(false);
    expect(globalThis.WebSocket).toBe(Real);
    await until(socket.status, (s) => s.state === 'open', 'open again');
    expect(await socket.call('m/echo', ['back'])).toBe('back');
  });

  it('drop once: the runtime reconnects on its own with a new connection', async () => {
    const { socket, network } = await setup();
    const first = socket.status.get().connectionId;
    network.dropOnce();
    await until(socket.status, (s) => s.state === 'open' && s.connectionId !== first, 'a new connection');
    expect(await socket.call('m/echo', [1])).toBe(1);
  });

  it('added latency slows each round trip by at least that much, in order, and comes off again', async () => {
    const { socket, network } = await setup();
    network.setLatency(300);
    const started = performance.now();
    const answers = await Promise.all([socket.call('m/echo', ['a']), socket.call('m/echo', ['b'])]);
    expect(answers).toEqual(['a', 'b']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    network.setLatency(0);
    expect(await socket.call('m/echo', ['c'])).toBe('c');
  });

  it('refuses a latency out of range with what to use instead', async () => {
    const { network } = await setup();
    expect(() => network.setLatency(-5)).toThrow(new RangeError(`Added latency must be between 0 and ${MAX_LATENCY_MS} ms; got -5`));
    expect(() => network.setLatency(Number.NaN)).toThrow(RangeError);
    expect(network.latency).toBe(0);
  });
});
