/**
 * Signals: a message from the server to one user (every tab they have open) or one
 * connection, with no topic of the app's own: `ctx.signal(to, event, data)` in a handler, or
 * `signal(to, event, data)` from anywhere on the server; `onSignal(event, handler)` in the page.
 *
 * Each connection follows, from the moment it opens, a runtime topic of its own and, when its
 * user has an `id`, one of its user's. A signal is a publish on one of them, so it reaches the
 * user's tabs on every instance of a cluster as any publish does. Signals are not kept: a page
 * that is offline when one is sent does not get it later (send what must last through a stream).
 */
import type { LiveContext } from './context.js';
import { RUNTIME_TOPIC_PREFIX } from './topic-names.js';

/** Who a signal goes to: a user's `id` (all of their connections) or one connection. */
export type SignalTarget = string | number | { readonly connectionId: string };

const USER_PREFIX = `${RUNTIME_TOPIC_PREFIX}signal:user:`;
const CONNECTION_PREFIX = `${RUNTIME_TOPIC_PREFIX}signal:connection:`;
/** Longest user id that gets signals (topic names are capped at 512 characters). */
const MAX_ID_LENGTH = 256;

/** True for a connection's or a user's signal topic (one per socket: not the app's topics). */
export function isSignalTopic(topic: string): boolean {
  return topic.startsWith(USER_PREFIX) || topic.startsWith(CONNECTION_PREFIX);
}

/** The runtime topic a signal to `to` is published on; a TypeError names a target that is none. */
export function signalTopic(to: SignalTarget): string {
  if (typeof to === 'string' || (typeof to === 'number' && Number.isFinite(to))) return `${USER_PREFIX}${to}`;
  if (typeof to === 'object' && to !== null && typeof to.connectionId === 'string' && to.connectionId.length > 0) {
    return `${CONNECTION_PREFIX}${to.connectionId}`;
  }
  throw new TypeError(`signal(to, event, data): to must be a user's id (a string or a number) or { connectionId }; got ${describe(to)}`);
}

/** The topics a connection follows for its signals: its own, and its user's when the user has an id. */
export function signalTopicsOf(connectionId: string, user: unknown): string[] {
  const topics = [`${CONNECTION_PREFIX}${connectionId}`];
  const id = typeof user === 'object' && user !== null ? (user as { id?: unknown }).id : undefined;
  // An id longer than a topic name may be (the app's own data, not a client's) gets no user topic.
  if ((typeof id === 'string' && id.length <= MAX_ID_LENGTH) || (typeof id === 'number' && Number.isFinite(id))) topics.push(`${USER_PREFIX}${id}`);
  return topics;
}

/** `ctx.signal` over a ctx's own publish (so telemetry names the call that signalled). */
export function signalVia(publish: LiveContext['publish']): LiveContext['signal'] {
  return (to, event, data) => {
    if (typeof event !== 'string' || event.length === 0) throw new TypeError('signal(to, event, data): event must be a non-empty string');
    publish(signalTopic(to), event, data);
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object without a connectionId';
  return typeof value === 'number' ? String(value) : typeof value;
}
