/**
 * Call timeouts. One timer serves every pending call: it is armed for the earliest deadline
 * and re-armed when it fires, so a call costs no timer of its own. The call path only compares
 * a new call's deadline with `armedFor` (see LiveSocket.track); deadlines usually only grow,
 * and a shorter timeout set meanwhile re-arms the timer earlier.
 */
import { ErrorCode } from '../protocol.js';
import { RpcError } from './rpc-error.js';
import type { LiveSocket } from './socket.js';

export function armDeadlines(socket: LiveSocket, deadline: number): void {
  if (socket.deadlineTimer !== undefined) clearTimeout(socket.deadlineTimer);
  socket.armedFor = deadline;
  // The socket travels as the timer's argument: no closure per arming.
  const timer = setTimeout(expireCalls, Math.max(0, deadline - performance.now()), socket);
  // In Node, a timer left armed after the last answer must not keep the process alive.
  (timer as { unref?: () => void }).unref?.();
  socket.deadlineTimer = timer;
}

/** Rejects every call past its deadline with TIMEOUT, then re-arms for the next deadline. */
function expireCalls(socket: LiveSocket): void {
  socket.deadlineTimer = undefined;
  socket.armedFor = Infinity;
  const now = performance.now();
  let next = Infinity;
  for (const [id, call] of socket.calls) {
    if (call.deadline > now) {
      next = Math.min(next, call.deadline);
      continue;
    }
    socket.calls.delete(id);
    socket.binaryOutbox.delete(id);
    call.reject(new RpcError(ErrorCode.TIMEOUT, `${call.path} did not answer within ${socket.options.timeout} ms`));
  }
  if (!socket.ready) dropGivenUp(socket);
  if (next !== Infinity) armDeadlines(socket, next);
}

/** Calls that gave up while the socket was away leave the outbox now, not when it opens. */
export function dropGivenUp(socket: LiveSocket): void {
  socket.outbox = socket.takeQueued().filter((m) => socket.calls.has(m.id));
  socket.queued = socket.outbox.length;
}
