/**
 * The page tap: how the overlay learns of the sockets the client runtime opens in a dev page,
 * and what it may read of them.
 *
 * Registration: the client runtime calls `globalThis[Symbol.for('svelte-realtime.tap')]` once
 * per socket it creates; the dev plugin installs that point (a queue) in Vite's client module,
 * before any app code runs; the overlay drains the queue and hears of later sockets. Production
 * pages have no registration point, so the runtime's call there is a no-op.
 *
 * Reading: the client runtime's socket implements `TappedSocket` (checked when it compiles), so
 * the overlay reads typed fields and sets one hook instead of patching the socket's internals.
 */

import type { MergeOptions, TopicPosition } from '../protocol.js';

export const TAP_KEY = Symbol.for('svelte-realtime.tap');

/** The registration point as the dev plugin installs it. */
export interface TapQueue {
  (socket: TappedSocket): void;
  sockets: TappedSocket[];
  onSocket?: (socket: TappedSocket) => void;
}

/** The page socket's status as the overlay reads it (a subset of the `connection` store's value). */
export interface TappedStatus {
  state: string;
  attempts: number;
  latency: number | null;
  connectionId: string | null;
}

/**
 * What the socket tells its tap: a call it starts (`t: 'call'`, before it is sent), and every
 * message it receives from the server, before the socket acts on it. A tap that returns true
 * for a received message holds it back: the socket does not act on it (the overlay's "Rewind
 * this page" holds a topic's events, and hands the store their fold on "Resume").
 */
export type TappedMessage =
  | { t: 'call'; id: number; path: string }
  | { t: 'result'; id: number }
  | { t: 'error'; id: number | null }
  | { t: 'snapshot'; id: number; topic: string; position: TopicPosition; merge: MergeOptions; data: unknown }
  | { t: 'resumed'; id: number; topic: string }
  | { t: 'event'; topic: string; seq: number; event: string; data: unknown }
  | { t: 'hello' }
  | { t: 'pong' };

/** The parts of a page's socket the overlay reads, and the one hook it sets. */
export interface TappedSocket {
  readonly status: { get(): TappedStatus; subscribe(run: (value: TappedStatus) => void): () => void };
  /** Calls waiting for their answer, by request id. */
  readonly calls: ReadonlyMap<number, { readonly path: string; readonly message?: { readonly t: string; readonly args?: readonly unknown[] } }>;
  /** The page's stream stores, by subscription id. */
  readonly subscriptions: ReadonlyMap<number, TappedSink>;
  /** The socket now, if any (the overlay's network conditions drop it or slow it down). */
  readonly ws: WebSocket | undefined;
  /** The topic each store follows, once the server named it. */
  readonly sinkTopics: ReadonlyMap<object, string>;
  /** Set by the overlay while it watches; the socket calls it with what it starts and receives. */
  tap: ((message: TappedMessage) => boolean | void) | undefined;
}

/** A page's stream store as the overlay reads it, and sets it (a rewound value, then the caught-up one). */
export interface TappedSink {
  readonly path: string;
  readonly args: readonly unknown[];
  value?(): unknown;
  /** Sets the store's value and position, as the server's snapshot does. */
  snapshot(topic: string, position: TopicPosition, merge: MergeOptions, data: unknown): void;
}

/** The source of the registration point, injected into Vite's client module (runs before the app). */
export const TAP_INSTALL_CODE = `;(() => {
  const key = Symbol.for('svelte-realtime.tap');
  if (globalThis[key]) return;
  const tap = (socket) => { tap.sockets.push(socket); tap.onSocket?.(socket); };
  tap.sockets = [];
  globalThis[key] = tap;
})();`;
