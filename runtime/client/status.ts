/**
 * What the page's `connection` store shows: the socket's state, its reconnect attempts, the
 * round trip of the last ping and the server's id for the connection.
 */
import type { LiveSocket } from './socket.js';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Reconnect attempts since the socket was last open. */
  attempts: number;
  /** Round trip of the last ping, in ms. */
  latency: number | null;
  /** The server's id for this connection. */
  connection: string | null;
}

export function setStatus(socket: LiveSocket, patch: Partial<ConnectionStatus>): void {
  socket.status.set({ ...socket.status.get(), ...patch });
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
