/**
 * Subscribing again when a socket opens. After a drop every client of a restarted server comes
 * back within the same second, and every subscription that cannot resume re-runs its stream's
 * init: so after a drop each client first waits a random moment within a window that grows
 * with its subscriptions (RESUBSCRIBE_SPREAD_PER_SUBSCRIPTION each, at most
 * RESUBSCRIBE_SPREAD_MAX), spreading that load. Nothing is lost meanwhile: a store resumes
 * from its position, and events published during the wait are replayed. A first open and
 * `reconnect()` subscribe at once.
 */
import { subscribeMessage } from './subscriptions.js';
import type { LiveSocket } from './socket.js';

export const RESUBSCRIBE_SPREAD_PER_SUBSCRIPTION = 100;
export const RESUBSCRIBE_SPREAD_MAX = 3000;

/** The window, in ms, a client with `count` subscriptions draws its wait from. */
export function resubscribeWindow(count: number): number {
  return Math.min(RESUBSCRIBE_SPREAD_MAX, count * RESUBSCRIBE_SPREAD_PER_SUBSCRIPTION);
}

/** Queues a `sub` for every subscription of the socket that just opened: now, or after a spread wait. */
export function resubscribe(socket: LiveSocket, spread: boolean): void {
  const subscriptions = [...socket.subscriptions];
  const queue = () => {
    // A subscription ended during the wait is skipped; one made during it was sent already.
    for (const [id, sink] of subscriptions) if (socket.subscriptions.get(id) === sink) socket.outbox[socket.queued++] = subscribeMessage(id, sink);
  };
  if (!spread) return queue();
  const ws = socket.ws;
  setTimeout(() => {
    // Not if this socket dropped meanwhile: the next one subscribes on its own hello.
    if (socket.ws !== ws) return;
    queue();
    socket.scheduleFlush();
  }, Math.random() * resubscribeWindow(subscriptions.length));
}
