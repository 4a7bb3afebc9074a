/**
 * The moment between the socket's `open` and the server's `hello`: a store subscribed then must
 * be subscribed exactly once (the real server refuses a repeated id, which would leave the
 * store in `error` and the first subscription held by the server until the socket closes).
 */
import { describe, expect, it } from 'vitest';
import { createStream } from '../../runtime/client/stream.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, connectionProxy, current, record, until, useProxiedClientTests, type ProxiedServer } from '../helpers/client.js';
import { module, startServer, waitFor } from '../helpers/server.js';

/** The test's server and the proxy in front of it, closed after each test. */
const net: ProxiedServer = {};
const cleanups = useProxiedClientTests(net);

describe('a store subscribed between open and hello', () => {
  it('is subscribed once, loads, and stays ready', async () => {
    net.server = await startServer({
      modules: [module('app', { feed: live.stream('feed', () => ['feed']), news: live.stream('news', () => ['news']), echo: live((_ctx, x: unknown) => x) })]
    });
    net.proxy = await connectionProxy(net.server.url);
    net.proxy!.holdServerFrames = true;
    const socket = clientSocket(net.proxy!.url);
    cleanups.push(() => socket.ws?.close());

    const feed = createStream<string[]>(() => socket, 'app/feed', []);
    const feedValues = record(feed);
    cleanups.push(feedValues.stop);
    // The socket is open, the hello not yet read: the window.
    await waitFor(() => socket.ws?.readyState === 1, 'socket open');
    const news = createStream<string[]>(() => socket, 'app/news', []);
    const newsValues = record(news);
    cleanups.push(newsValues.stop);
    net.proxy!.release();

    await until(feed.status, (s) => s === 'ready', 'feed ready');
    await until(news.status, (s) => s === 'ready', 'news ready');
    // Answers come in order: once this call is answered, every answer to what was sent before it is in.
    expect(await socket.call('app/echo', ['after'])).toBe('after');
    expect([current(feed.status), current(feed.error)]).toEqual(['ready', null]);
    expect([current(news.status), current(news.error)]).toEqual(['ready', null]);
    expect(feedValues.values.at(-1)).toEqual(['feed']);
    expect(newsValues.values.at(-1)).toEqual(['news']);
    const [connection] = net.server!.runtime.connections.values();
    expect(connection!.subscriptions.size).toBe(2);

    // Leaving ends both on the server: none is left behind.
    feedValues.stop();
    newsValues.stop();
    await waitFor(() => connection!.subscriptions.size === 0, 'subscriptions released');
  });
});
