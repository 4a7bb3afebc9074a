/**
 * What is sent while the socket is away (not yet open, reconnecting, or refused). Only calls
 * wait in the outbox: subscriptions are sent from their table when the socket opens, and a
 * ping or an unsubscribe means nothing to the next socket. The wait is bounded: at most
 * `maxQueue` calls wait (the next one fails at once with OFFLINE), each for at most `maxAge` ms
 * (then OFFLINE, unless its timeout comes first), and a refused socket fails every call at once
 * with the refusal's code.
 */
import { ErrorCode, type ClientMessage } from '../protocol.js';
import { dropGivenUp } from './call-deadlines.js';
import { connect } from './reconnect.js';
import { RpcError } from './rpc-error.js';
import type { LiveSocket } from './socket.js';

/** `message` was just queued while the socket is away: keep it (opening a socket), or settle it now. */
export function waitForSocket(socket: LiveSocket, message: ClientMessage): void {
  if (message.t !== 'call' || !holdCall(socket, message.id)) socket.outbox[--socket.queued] = undefined;
  // A store subscribing to a refused socket reports the refusal (a call's or a ping's id is no subscription's).
  if (socket.refusal) socket.subscriptions.get(message.id)?.error(socket.refusal);
  else connect(socket);
}

/**
 * A call (text or binary, already queued) that must wait for the socket: false when it failed
 * at once instead (the socket was refused, or too many calls wait); else it waits at most maxAge.
 */
export function holdCall(socket: LiveSocket, id: number): boolean {
  const { maxQueue, maxAge } = socket.options;
  const error =
    socket.refusal ??
    (socket.queued + socket.binaryOutbox.size > maxQueue
      ? new RpcError(ErrorCode.OFFLINE, `${maxQueue} calls are already waiting for the connection; try again once it is back`)
      : undefined);
  if (error) {
    socket.fail(id, error);
    return false;
  }
  const call = socket.calls.get(id)!;
  if (maxAge < socket.options.timeout) {
    setTimeout(() => {
      if (call.sent || !socket.fail(id, new RpcError(ErrorCode.OFFLINE, `${call.path} waited ${maxAge} ms for the connection and was not sent`))) return;
      if (!socket.ready) dropGivenUp(socket);
    }, maxAge);
  }
  return true;
}
