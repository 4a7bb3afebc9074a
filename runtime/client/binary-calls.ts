/**
 * live.binary calls: the payload travels in a binary frame of its own (extra arguments beside
 * it as devalue text), and bytes a handler returns come back in a binary frame. Such a call
 * shares the call table, deadlines and drop rules of every other call.
 */
import { BinaryFrameType, encodeBinaryFrame, readBinaryBody, readBinaryHeader } from '../protocol.js';
import { loadRichCodec, richCodec } from './rich-codec.js';
import { holdCall } from './offline.js';
import { connect } from './reconnect.js';
import type { LiveSocket } from './socket.js';

/**
 * Calls a live.binary handler: `payload` travels in a binary frame with `args` beside it.
 * Resolves with a Uint8Array when the handler returns bytes, else with its value.
 */
export function callBinary(socket: LiveSocket, path: string, payload: Uint8Array, args: unknown[]): Promise<unknown> {
  socket.readBinary ??= (bytes) => receiveBinary(socket, bytes);
  // Extra arguments travel as devalue text.
  const rich = richCodec();
  if (args.length > 0 && !rich) return loadRichCodec().then(() => callBinary(socket, path, payload, args));
  return new Promise((resolve, reject) => {
    const id = socket.nextId++;
    const argsText = args.length > 0 ? rich!.stringify(args) : '';
    const frame = encodeBinaryFrame({ type: BinaryFrameType.call, id, path, argsText, payload });
    socket.track(id, { resolve, reject, deadline: performance.now() + socket.options.timeout, path, sent: false });
    socket.binaryOutbox.set(id, frame);
    if (socket.ready) socket.scheduleFlush();
    else if (holdCall(socket, id)) connect(socket);
    else socket.binaryOutbox.delete(id);
  });
}

/** Sends the binary frames of calls still waiting (a timed-out call's frame was dropped with it). */
export function flushBinary(socket: LiveSocket, ws: WebSocket): void {
  for (const [id, frame] of socket.binaryOutbox) {
    const call = socket.calls.get(id);
    if (call) {
      ws.send(frame);
      call.sent = true;
    }
  }
  socket.binaryOutbox.clear();
}

/** A binary result (a live.binary handler returned bytes), handled like any other result. */
function receiveBinary(socket: LiveSocket, bytes: Uint8Array): void {
  try {
    const header = readBinaryHeader(bytes);
    if (header.type !== BinaryFrameType.result) return;
    socket.handle({ t: 'result', id: header.id, data: readBinaryBody(bytes, header).payload.slice() });
  } catch (error) {
    console.error('[svelte-realtime] unreadable binary frame from the server:', error);
  }
}
