/**
 * After a drop (a server restart reconnects every client at once) each client waits a random
 * moment within a window that grows with its subscriptions before it subscribes again, so the
 * streams' inits are spread instead of landing together. A first open, and reconnect(), do not wait.
 */
import { describe, expect, it, vi } from 'vitest';
import { resubscribeWindow, RESUBSCRIBE_SPREAD_MAX, RESUBSCRIBE_SPREAD_PER_SUBSCRIPTION } from '../../runtime/client/resubscribe.js';
import type { LiveSocket } from '../../runtime/client/socket.js';
import type { SubscriptionSink } from '../../runtime/client/subscriptions.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, until, useClientTests } from '../helpers/client.js';
import { module, startServer, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

/** When each init ran (performance.now()). */
let inits: number[] = [];

let nextFeed = 0;

/**
 * A subscription to a feed of its own (the server may share one init between identical
 * subscriptions) that never resumes: every subscribe runs the stream's init.
 */
function freshSink(): SubscriptionSink {
  return { path: 'app/feed', args: [nextFeed++], position: () => undefined, snapshot() {}, resumed() {}, event() {}, error() {} };
}

function subscribeAll(socket: LiveSocket, count: number): void {
  for (let i = 0; i < count; i++) cleanups.push(socket.subscribe(freshSink()));
}

/** One topic per feed number; each init is timed. */
const feed = live.stream(
  (_ctx, n: number) => `feed:${n}`,
  () => {
    inits.push(performance.now());
    return [];
  }
);

describe('resubscription after a drop', () => {
  it('has a window that grows with the subscriptions, up to a bound', () => {
    expect(resubscribeWindow(0)).toBe(0);
    expect(resubscribeWindow(1)).toBe(RESUBSCRIBE_SPREAD_PER_SUBSCRIPTION);
    expect(resubscribeWindow(10)).toBe(10 * RESUBSCRIBE_SPREAD_PER_SUBSCRIPTION);
    expect(resubscribeWindow(1_000_000)).toBe(RESUBSCRIBE_SPREAD_MAX);
    expect(RESUBSCRIBE_SPREAD_MAX).toBeLessThanOrEqual(5000);
  });

  it("spreads many clients' inits over the window instead of one moment, and every client is back", async () => {
    server = await startServer({ modules: [module('app', { feed })] });
    inits = [];
    const CLIENTS = 30;
    const PER_CLIENT = 10;
    const sockets = Array.from({ length: CLIENTS }, () => clientSocket(server!.url));
    for (const socket of sockets) {
      cleanups.push(() => socket.ws?.close());
      subscribeAll(socket, PER_CLIENT);
    }
    await waitFor(() => inits.length === CLIENTS * PER_CLIENT, 'every first init');
    inits = [];

    for (const conn of server.runtime.connections.values()) conn.socket.terminate();
    const dropped = performance.now();
    await waitFor(() => inits.length === CLIENTS * PER_CLIENT, 'every init again', 10_000);
    const first = Math.min(...inits);
    const last = Math.max(...inits);
    // The window for 10 subscriptions is 1 s: 30 clients drawn at random in it span far more
    // than the 500 ms checked here (all within one half of it has a chance below 1 in 10^7).
    // Without the spread they all land within the reconnect backoff (tens of ms).
    expect(last - first).toBeGreaterThan(500);
    // Bounded: the window, plus the reconnect's own backoff and a busy machine's slack.
    expect(last - dropped).toBeLessThan(resubscribeWindow(PER_CLIENT) + 2000);
  });

  it('does not wait on the first open', async () => {
    server = await startServer({ modules: [module('app', { feed })] });
    inits = [];
    // A random draw at the top of the window: a wait would show.
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const socket = clientSocket(server.url);
    cleanups.push(() => socket.ws?.close());
    const opened = performance.now();
    subscribeAll(socket, 50);
    await until(socket.status, (s) => s.state === 'open', 'open');
    await waitFor(() => inits.length === 50, 'every init');
    expect(Math.max(...inits) - opened).toBeLessThan(resubscribeWindow(50) / 2);
  });
});
