/**
 * The socket's life: opened on first use, introduced by the server's hello (which also says the
 * largest frame it takes; nothing is sent before it), and reopened after a drop with
 * exponential backoff and full jitter while calls or subscriptions remain. On reopening every
 * subscription resumes from its last position (see resubscribe.ts) and the calls that waited
 * are sent.
 *
 * A server that stops gracefully closes with 1012 once it has answered every call it ran: the
 * calls it did not answer never ran there, so they are sent again on the next socket. After any
 * other drop a call already sent may have run, and fails with DISCONNECTED.
 *
 * A socket the server refuses (it accepts the upgrade and closes at once with 4401 or 4403) is
 * final: every call and store fails with that code and nothing retries until the app calls
 * `reconnect()` (reopen here), for example after a login.
 */
import { ErrorCode, SOCKET_PATH } from '../protocol.js';
import { resubscribe } from './resubscribe.js';
import { RpcError } from './rpc-error.js';
import { setStatus, type ConnectionStatus } from './status.js';
import { forgetTopics } from './subscriptions.js';
import type { LiveSocket } from './socket.js';

/** The close codes a refusal arrives with, and the error code each stands for. */
const REFUSALS: Record<number, string> = { 4401: ErrorCode.UNAUTHORIZED, 4403: ErrorCode.FORBIDDEN };
/** "Service restart": the server's graceful close (runtime/server/shutdown.ts). */
const CLOSE_RESTART = 1012;

export function connect(socket: LiveSocket): void {
  if (socket.ws || socket.reconnectTimer || typeof WebSocket === 'undefined') return;
  const url = socket.options.url ?? new URL(SOCKET_PATH, location.href).href.replace(/^http/, 'ws');
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  socket.ws = ws;
  setStatus(socket, { state: socket.attempts > 0 ? 'reconnecting' : 'connecting' });
  ws.onmessage = socket.onMessage;
  ws.onclose = (event) => closed(socket, ws, event.code, event.reason);
  // A failed connection is always followed by close, which schedules the retry. Listening
  // also keeps WebSocket implementations that throw unheard errors (ws in Node) from crashing.
  ws.onerror = () => {};
}

/** The server's hello: the socket is open. */
export function opened(socket: LiveSocket, connection: string, maxFrame: number, maxMessages: number): void {
  const afterDrop = socket.attempts > 0;
  socket.attempts = 0;
  socket.maxFrame = maxFrame;
  socket.maxMessages = maxMessages;
  socket.ready = true;
  socket.pingSent.clear();
  setStatus(socket, { state: 'open', attempts: 0, connectionId: connection });
  // Resubscribe everything, then send the calls that waited for the socket (only calls wait:
  // see offline.ts). Calls that timed out meanwhile are not sent late: their caller has moved on.
  const queued = socket.takeQueued().filter((m) => socket.calls.has(m.id));
  resubscribe(socket, afterDrop);
  for (const message of queued) socket.outbox[socket.queued++] = message;
  socket.flush();
}

/**
 * The socket is gone: calls it carried may have run, so they fail, unless the server closed
 * with 1012 (it ran none of them: they go first on the next socket). Topics are named again by
 * the next socket.
 */
function drop(socket: LiveSocket, code: number): void {
  socket.ws = undefined;
  socket.ready = false;
  forgetTopics(socket);
  // Sent again first, in their order, ahead of anything queued since.
  let first = 0;
  for (const [id, call] of socket.calls) {
    if (!call.sent) continue;
    if (code === CLOSE_RESTART && call.message) {
      call.sent = false;
      socket.outbox.splice(first++, 0, call.message);
      socket.queued++;
    } else socket.fail(id, new RpcError(ErrorCode.DISCONNECTED, 'The connection dropped before the server answered; the call may or may not have run'));
  }
}

function closed(socket: LiveSocket, ws: WebSocket, code: number, reason: string): void {
  if (socket.ws !== ws) return;
  drop(socket, code);
  const refusal = REFUSALS[code];
  if (refusal) return refused(socket, new RpcError(refusal, reason || `The server refused the connection (${refusal})`));
  // Only the call table's placeholder left, no subscription and no signal listener: nothing to reconnect for.
  if (socket.calls.size === 1 && socket.subscriptions.size === 0 && !socket.onSignal) {
    setStatus(socket, { state: 'idle', connectionId: null });
    return;
  }
  const cap = Math.min(socket.options.maxDelay, socket.options.baseDelay * 2 ** socket.attempts);
  socket.attempts++;
  setStatus(socket, { state: 'reconnecting', attempts: socket.attempts, connectionId: null });
  socket.reconnectTimer = setTimeout(() => {
    socket.reconnectTimer = undefined;
    connect(socket);
  }, Math.random() * cap);
}

/** Every call fails with the refusal, and every store reports it; the stores stay, to load again after reconnect(). */
function refused(socket: LiveSocket, error: RpcError): void {
  socket.refusal = error;
  setStatus(socket, { state: 'refused', code: error.code, reason: error.message, connectionId: null });
  socket.takeQueued();
  socket.binaryOutbox.clear();
  for (const [id] of socket.calls) if (id !== 0) socket.fail(id, error);
  for (const sink of socket.subscriptions.values()) sink.error(error);
}

/**
 * Lets the socket go now, without waiting for its closing handshake (a dead link never
 * completes one), and handles the drop as if it had closed.
 */
export function abandon(socket: LiveSocket): void {
  const ws = socket.ws!;
  ws.onclose = ws.onmessage = null;
  ws.close();
  closed(socket, ws, 1006, '');
}

/**
 * reconnect(): a new socket now, whose upgrade runs with the page's current cookies. Calls
 * waiting for the socket are sent on the new one; calls in flight on the old one fail with
 * DISCONNECTED; every store resubscribes from its position. Resolves with the status once the
 * new socket is open or refused.
 */
export function reopen(socket: LiveSocket): Promise<ConnectionStatus> {
  clearTimeout(socket.reconnectTimer);
  socket.reconnectTimer = undefined;
  socket.refusal = undefined;
  socket.attempts = 0;
  const ws = socket.ws;
  if (ws) {
    ws.onclose = ws.onmessage = null;
    ws.close(1000);
    drop(socket, 1000);
  }
  setStatus(socket, { code: undefined, reason: undefined });
  connect(socket);
  return new Promise((resolve) => {
    const stop = socket.status.subscribe((status) => {
      if (status.state !== 'open' && status.state !== 'refused') return;
      resolve(status);
      queueMicrotask(() => stop());
    });
  });
}
