/** What every handler receives as its first argument. */
import type { BatchEvent } from './publish-batch.js';
import type { SignalTarget } from './signals.js';

/**
 * The connection's user, as returned by `upgrade` in `src/hooks.ws.ts`.
 * Type it once for the whole app:
 *
 *   declare module 'svelte-realtime/server' { interface Register { user: { id: string; name: string } | null } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Register {}

export type LiveUser = Register extends { user: infer User } ? User : unknown;

export interface LiveContext {
  /** The user data `upgrade` returned for this connection (`null` when there is no hook). */
  readonly user: LiveUser;
  /** This connection's id, stable for the life of the socket. */
  readonly connectionId: string;
  /** @deprecated Renamed `connectionId` (the same id); `connection` is the page's status store in svelte-realtime/client. */
  readonly connection: string;
  /**
   * The client's address: the socket's, or the one adapter-node's `ADDRESS_HEADER` names when
   * that is set (behind a proxy). Undefined in server rendering.
   */
  readonly address?: string;
  /** Publishes `event` with `data` to every subscriber of `topic`. */
  publish(topic: string, event: string, data?: unknown): void;
  /**
   * Publishes several events (on one topic or several) that subscribers see together: each gets
   * them in one frame and its stores apply them as one update. At most 1 000 events; a malformed
   * entry publishes none of them. See publish-batch.ts.
   */
  batch(events: readonly BatchEvent[]): void;
  /** Runs `publishes` (synchronous): everything it publishes, a room's `ctx.room.publish` included, goes out together. */
  batch(publishes: () => void): void;
  /**
   * Sends `event` with `data` to one user's every tab (`to` is their `id`, as `upgrade`
   * returned it) or to one connection (`{ connectionId }`); the page hears it with `onSignal`.
   */
  signal(to: SignalTarget, event: string, data?: unknown): void;
  /**
   * Publishes hot data at most once per `ms` for its item (`data.id`): the first at once, then
   * the latest at the end of each `ms`; the last one always goes out. See publish-pacing.ts.
   */
  throttle(topic: string, event: string, data: unknown, ms: number): void;
  /** Publishes once `ms` have passed with no newer publish for the same item (`data.id`); the last one wins. */
  debounce(topic: string, event: string, data: unknown, ms: number): void;
  /** In a paginated stream's init: the cursor of the page to load (undefined for the first). */
  readonly cursor?: unknown;
}
