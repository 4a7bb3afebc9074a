/**
 * Running the browser client runtime (runtime/client) in Node against a real server: ws's
 * WebSocket stands in for the browser's, and stores are observed through their subscribers.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { WebSocket } from 'ws';
import { LiveSocket, type SocketOptions } from '../../runtime/client/socket.js';
import type { Readable } from '../../runtime/client/store.js';

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

/** A client socket to `url` with short reconnect delays, so tests do not wait on backoff. */
export function clientSocket(url: string, options: Partial<SocketOptions> = {}): LiveSocket {
  return new LiveSocket({ url, timeout: 5000, baseDelay: 5, maxDelay: 40, ...options });
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
