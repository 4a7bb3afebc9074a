/**
 * The socket's life: opened on first use, introduced by the server's hello (which also says the
 * largest frame it takes), and reopened after a drop with exponential backoff and full jitter
 * while calls or subscriptions remain. On reopening every subscription resumes from its last
 * position before the calls that waited are sent.
 */
import { ErrorCode, SOCKET_PATH } from '../protocol.js';
import { RpcError } from './rpc-error.js';
import { setStatus } from './status.js';
import { forgetTopics, subscribeMessage } from './subscriptions.js';
import type { LiveSocket } from './socket.js';

export function connect(socket: LiveSocket): void {
  if (socket.ws || socket.reconnectTimer || typeof WebSocket === 'undefined') return;
  const url = socket.options.url ?? new URL(SOCKET_PATH, location.href).href.replace(/^http/, 'ws');
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  socket.ws = ws;
  setStatus(socket, { state: socket.attempts > 0 ? 'reconnecting' : 'connecting' });
  ws.onmessage = socket.onMessage;
  ws.onclose = () => closed(socket, ws);
  // A failed connection is always followed by close, which schedules the retry. Listening
  // also keeps WebSocket implementations that throw unheard errors (ws in Node) from crashing.
  ws.onerror = () => {};
}

/** The server's hello: the socket is open. */
export function opened(socket: LiveSocket, connection: string, maxFrame: number): void {
  socket.attempts = 0;
  socket.maxFrame = maxFrame;
  setStatus(socket, { state: 'open', attempts: 0, connection });
  // Resubscribe everything, then send what waited for the socket.
  // Calls that timed out while the socket was away are not sent late: their caller has moved on.
  const queued = socket.takeQueued().filter((m) => (m.t === 'call' && socket.calls.has(m.id)) || m.t === 'ping');
  for (const [id, sink] of socket.subscriptions) socket.outbox[socket.queued++] = subscribeMessage(id, sink);
  for (const message of queued) socket.outbox[socket.queued++] = message;
  socket.flush();
}

function closed(socket: LiveSocket, ws: WebSocket): void {
  if (socket.ws !== ws) return;
  socket.ws = undefined;
  forgetTopics(socket);
  for (const [id, call] of socket.calls) {
    if (!call.sent) continue;
    socket.fail(id, new RpcError(ErrorCode.DISCONNECTED, 'The connection dropped before the server answered; the call may or may not have run'));
  }
  // Only the call table's placeholder left, and no subscription: nothing to reconnect for.
  if (socket.calls.size === 1 && socket.subscriptions.size === 0) {
    setStatus(socket, { state: 'idle', connection: null });
    return;
  }
  const cap = Math.min(socket.options.maxDelay, socket.options.baseDelay * 2 ** socket.attempts);
  socket.attempts++;
  setStatus(socket, { state: 'reconnecting', attempts: socket.attempts, connection: null });
  socket.reconnectTimer = setTimeout(() => {
    socket.reconnectTimer = undefined;
    connect(socket);
  }, Math.random() * cap);
}
