/**
 * What the page's `connection` store shows: the socket's state, its reconnect attempts, the
 * round trip of the last ping, the server's id for the connection and, when the server refused
 * the socket, why.
 */
import type { LiveSocket } from './socket.js';

/**
 * `idle`: no socket, none needed. `connecting`: the first socket is opening. `open`: the server
 * said hello. `reconnecting`: the socket dropped and another is on its way (after a backoff).
 * `refused`: the server refused the socket (4401 or 4403); nothing retries until `reconnect()`.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'refused';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Reconnect attempts since the socket was last open. */
  attempts: number;
  /** Round trip of the last ping, in ms. */
  latency: number | null;
  /** The server's id for this connection: what its calls see as `ctx.connectionId`. */
  connectionId: string | null;
  /** @deprecated The old name of `connectionId`. */
  connection: string | null;
  /** While `refused`: `UNAUTHORIZED` (close code 4401) or `FORBIDDEN` (4403). */
  code?: string;
  /** While `refused`: the server's reason. */
  reason?: string;
}

export function setStatus(socket: LiveSocket, patch: Partial<Omit<ConnectionStatus, 'connection'>>): void {
  const next = { ...socket.status.get(), ...patch };
  next.connection = next.connectionId;
  socket.status.set(next);
}

/** Measures a round trip; the result lands in `status.latency` when the pong arrives. */
export function ping(socket: LiveSocket): void {
  const id = socket.nextId++;
  socket.pingSent.set(id, performance.now());
  socket.enqueue({ t: 'ping', id });
}

export function pong(socket: LiveSocket, id: number): void {
  const sent = socket.pingSent.get(id);
  socket.pingSent.delete(id);
  if (sent !== undefined) setStatus(socket, { latency: performance.now() - sent });
}
