/**
 * The client's heartbeat: while the socket is open, a ping every `heartbeat` ms measures the
 * latency the `connection` store shows, and a ping still unanswered when the next is due means
 * the link is dead (a laptop that slept, a proxy that dropped the route without closing it): the
 * socket is given up at once and replaced, as after any drop. A dead link is so noticed within
 * two intervals. The server keeps its own liveness check.
 */
import { abandon } from './reconnect.js';
import { ping } from './status.js';
import type { LiveSocket } from './socket.js';

/** Starts the heartbeat of the socket that just opened; it stops when that socket goes. */
export function startHeartbeat(socket: LiveSocket): void {
  const every = socket.options.heartbeat;
  const ws = socket.ws;
  if (!(every > 0)) return;
  ping(socket);
  const timer = setInterval(() => {
    if (socket.ws !== ws) clearInterval(timer);
    else if (socket.pingSent.size > 0) abandon(socket);
    else ping(socket);
  }, every);
  // In Node, a heartbeat must not keep the process alive.
  (timer as { unref?: () => void }).unref?.();
}
