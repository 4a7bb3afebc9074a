/**
 * The page tap's registration point: how the overlay learns of the sockets the client runtime
 * opens in a dev page. The client runtime calls `globalThis[Symbol.for('svelte-realtime.tap')]`
 * once per socket it creates; the dev plugin installs that point (a queue) in Vite's client
 * module, before any app code runs; the overlay drains the queue and hears of later sockets.
 * Production pages have no registration point, so the runtime's call there is a no-op.
 */

export const TAP_KEY = Symbol.for('svelte-realtime.tap');

/** The registration point as the dev plugin installs it. */
export interface TapQueue {
  (socket: unknown): void;
  sockets: unknown[];
  onSocket?: (socket: unknown) => void;
}

/** The source of the registration point, injected into Vite's client module (runs before the app). */
export const TAP_INSTALL_CODE = `;(() => {
  const key = Symbol.for('svelte-realtime.tap');
  if (globalThis[key]) return;
  const tap = (socket) => { tap.sockets.push(socket); tap.onSocket?.(socket); };
  tap.sockets = [];
  globalThis[key] = tap;
})();`;
