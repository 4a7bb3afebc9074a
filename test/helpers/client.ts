/**
 * Running the browser client runtime (runtime/client) in Node against a real server: ws's
 * WebSocket stands in for the browser's, and stores are observed through their subscribers.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { LiveSocket, type SocketOptions } from '../../runtime/client/socket.js';
import type { Readable } from '../../runtime/client/store.js';
import type { TestServer } from './server.js';

/** Installs ws's WebSocket as `globalThis.WebSocket` (Node 20 has none); returns the undo. */
export function useNodeWebSocket(): () => void {
  const scope = globalThis as { WebSocket?: unknown };
  const saved = scope.WebSocket;
  scope.WebSocket = WebSocket;
  return () => {
    scope.WebSocket = saved;
  };
}

/**
 * The hooks every client test file needs: ws as the WebSocket for the whole file, and after each
 * test the registered cleanups (in reverse) and then `afterEachTest` (close the test's server).
 * Returns the cleanup list to push to.
 */
export function useClientTests(afterEachTest: () => Promise<void> | void): (() => void)[] {
  const cleanups: (() => void)[] = [];
  let restore = () => {};
  beforeAll(() => {
    restore = useNodeWebSocket();
  });
  afterAll(() => restore());
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
    await afterEachTest();
  });
  return cleanups;
}

/**
 * A client socket to `url` with short reconnect delays, so tests do not wait on backoff, and no
 * heartbeat unless a test asks for one (so the frames a test counts are its own).
 */
export function clientSocket(url: string, options: Partial<SocketOptions> = {}): LiveSocket {
  return new LiveSocket({ url, timeout: 5000, baseDelay: 5, maxDelay: 40, heartbeat: 0, maxQueue: 1000, maxAge: 30_000, ...options });
}

/** Resolves with the store's value once `test` passes (checked on every change, no polling). */
export function until<T>(store: Readable<T>, test: (value: T) => boolean, what = 'store value', timeout = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    let stop: (() => void) | undefined;
    const timer = setTimeout(() => {
      done = true;
      stop?.();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeout);
    stop = store.subscribe((value) => {
      if (done || !test(value)) return;
      done = true;
      clearTimeout(timer);
      queueMicrotask(() => stop?.());
      resolve(value);
    });
    if (done) stop();
  });
}

/** Subscribes and records every value the store takes; `stop()` unsubscribes. */
export function record<T>(store: Readable<T>): { values: T[]; stop: () => void } {
  const values: T[] = [];
  const stop = store.subscribe((value) => void values.push(value));
  return { values, stop };
}

/**
 * A WebSocket proxy on 127.0.0.1 in front of `target` (a real server), for the moments of a
 * connection the real server cannot be made to produce on cue: a hello that arrives late, an
 * upgrade refused with a close code, a link that stops carrying frames. Each setting applies
 * to what passes from then on.
 */
export interface ConnectionProxy {
  url: string;
  /** Client sockets accepted so far. */
  readonly accepted: number;
  /** Holds the server's frames (the hello first) until `release()`. */
  holdServerFrames: boolean;
  /** Closes each new connection at once with this code and reason instead of forwarding it. */
  refuseWith: { code: number; reason: string } | undefined;
  /** Drops every frame both ways, as a half-open socket or a proxy that lost the route would. */
  stalled: boolean;
  /** Sends the held server frames and stops holding them. */
  release(): void;
  close(): Promise<void>;
}

export async function connectionProxy(target: string): Promise<ConnectionProxy> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const held: (() => void)[] = [];
  const pairs = new Set<WebSocket>();
  let accepted = 0;
  const proxy: ConnectionProxy = {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    get accepted() {
      return accepted;
    },
    holdServerFrames: false,
    refuseWith: undefined,
    stalled: false,
    release() {
      proxy.holdServerFrames = false;
      for (const send of held.splice(0)) send();
    },
    async close() {
      for (const ws of pairs) ws.terminate();
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  };
  wss.on('connection', (client) => {
    accepted++;
    if (proxy.refuseWith) return client.close(proxy.refuseWith.code, proxy.refuseWith.reason);
    const upstream = new WebSocket(target);
    pairs.add(upstream);
    const early: (() => void)[] = [];
    upstream.on('open', () => {
      for (const send of early.splice(0)) send();
    });
    // Frames pass as they came: text as text, binary (live.binary) as binary.
    client.on('message', (data, isBinary) => {
      if (proxy.stalled) return;
      const send = () => upstream.send(data as Buffer, { binary: isBinary });
      if (upstream.readyState === WebSocket.OPEN) send();
      else early.push(send);
    });
    upstream.on('message', (data, isBinary) => {
      if (proxy.stalled) return;
      const send = () => client.readyState === WebSocket.OPEN && client.send(data as Buffer, { binary: isBinary });
      if (proxy.holdServerFrames) held.push(send);
      else send();
    });
    client.on('close', () => upstream.close());
    upstream.on('close', () => client.readyState === WebSocket.OPEN && client.close());
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  return proxy;
}

/** A store's current value (subscribes and leaves at once, as Svelte's `get` does). */
export function current<T>(store: Readable<T>): T {
  let value!: T;
  store.subscribe((v) => (value = v))();
  return value;
}

/** A client test's server and the proxy in front of it (see useProxiedClientTests). */
export interface ProxiedServer {
  server?: TestServer;
  proxy?: ConnectionProxy;
}

/**
 * `useClientTests` for tests that put a ConnectionProxy in front of a real server: after each
 * test the proxy and then the server in `net` are closed and cleared.
 */
export function useProxiedClientTests(net: ProxiedServer): (() => void)[] {
  return useClientTests(async () => {
    await net.proxy?.close();
    net.proxy = undefined;
    await net.server?.close();
    net.server = undefined;
  });
}
