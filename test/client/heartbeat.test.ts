/**
 * The client's heartbeat: a ping every `heartbeat` ms fills `connection.latency`, and a socket
 * that leaves a ping unanswered for a whole interval (a sleeping laptop, a proxy that dropped
 * the route without closing) is given up and replaced, with every store resubscribed.
 */
import { describe, expect, it } from 'vitest';
import { createStream } from '../../runtime/client/stream.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, connectionProxy, record, until, useProxiedClientTests, type ProxiedServer } from '../helpers/client.js';
import { module, startServer, waitFor } from '../helpers/server.js';

/** The test's server and the proxy in front of it, closed after each test. */
const net: ProxiedServer = {};
const cleanups = useProxiedClientTests(net);

const HEARTBEAT = 100;

describe('heartbeat', () => {
  it('fills latency with a number once the socket is open', async () => {
    net.server = await startServer({ modules: [module('app', { echo: live((_ctx, x: unknown) => x) })] });
    const socket = clientSocket(net.server!.url, { heartbeat: HEARTBEAT });
    cleanups.push(() => socket.ws?.close());
    expect(socket.status.get().latency).toBeNull();
    await socket.call('app/echo', [1]);
    const { latency } = await until(socket.status, (s) => s.latency !== null, 'latency');
    expect(typeof latency).toBe('number');
    expect(latency).toBeGreaterThanOrEqual(0);
  });

  it('replaces a socket that stops answering within two intervals, and resubscribes', async () => {
    net.server = await startServer({ modules: [module('app', { feed: live.stream('feed', () => [] as string[], { merge: 'latest' }) })] });
    net.proxy = await connectionProxy(net.server.url);
    const socket = clientSocket(net.proxy!.url, { heartbeat: HEARTBEAT });
    cleanups.push(() => socket.ws?.close());
    const feed = createStream<string[]>(() => socket, 'app/feed', []);
    const values = record(feed);
    cleanups.push(values.stop);
    await until(feed.status, (s) => s === 'ready', 'ready');
    const first = socket.status.get().connection;

    // The link goes silent without closing: only the heartbeat can tell.
    net.proxy!.stalled = true;
    const silentSince = performance.now();
    await until(socket.status, (s) => s.state === 'reconnecting', 'dead socket noticed', 2000);
    // Noticed within two intervals (a ping, then a whole interval without its pong), with room for a busy machine.
    expect(performance.now() - silentSince).toBeLessThan(2000);
    net.proxy!.stalled = false;
    const reopened = await until(socket.status, (s) => s.state === 'open' && s.connection !== first, 'open on a new socket', 2000);
    expect(reopened.connection).not.toBe(first);
    expect(net.proxy!.accepted).toBe(2);
    await waitFor(() => net.server!.runtime.topics.subscriberCount('feed') >= 1 && [...net.server!.runtime.connections.values()].some((c) => c.id === reopened.connection && c.subscriptions.size === 1), 'resubscribed');
    net.server!.runtime.publish('feed', 'created', 'after');
    await until(feed, (v) => v?.includes('after') === true, 'event on the new socket');
  });

  it('is off with heartbeat: 0', async () => {
    net.server = await startServer({ modules: [module('app', { echo: live((_ctx, x: unknown) => x) })] });
    net.proxy = await connectionProxy(net.server.url);
    const socket = clientSocket(net.proxy!.url, { heartbeat: 0 });
    cleanups.push(() => socket.ws?.close());
    await socket.call('app/echo', [1]);
    net.proxy!.stalled = true;
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT * 4));
    expect(socket.status.get()).toMatchObject({ state: 'open', latency: null });
  });
});
