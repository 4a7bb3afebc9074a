/**
 * The dispatcher of binary frames: `live.binary` calls (see kinds/binary.ts and the frame layout
 * in runtime/protocol.ts), beside dispatch.ts, which reads text frames.
 *
 * The payload's size is read from the frame header and checked against the handler's `maxSize`
 * before anything of the body is read or copied: an oversized upload is refused with
 * FRAME_TOO_LARGE and the connection keeps working. (The socket's own hard cap,
 * `limits.maxBinaryBytes`, bounds what the WebSocket layer buffers at all.)
 */
import {
  BinaryFrameType,
  encodeBinaryFrame,
  ErrorCode,
  ProtocolError,
  readBinaryBody,
  readBinaryHeader,
  type BinaryFrameHeader,
  type ErrorMessage
} from '../protocol.js';
import type { Connection } from './connection.js';
import { admitCall, callContext, errorMessage, failCall, finishCall, guarded, unknownPath, type DispatchContext } from './dispatch.js';
import { LiveError } from './errors.js';
import { handlerKind } from './handler-tag.js';
import type { LiveBinary } from './kinds/binary.js';
import { decodeClientValue } from './frames.js';
import { runHandle } from './middleware.js';
import { BinaryPayload } from './telemetry.js';

/** Bytes a handler returned, as a Uint8Array; undefined for any other value. */
function bytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

/** Reads a binary frame from the socket and answers it. Every refusal is a typed error. */
export async function handleBinaryFrame(dc: DispatchContext, conn: Connection, frame: Uint8Array): Promise<void> {
  let header: BinaryFrameHeader;
  try {
    header = readBinaryHeader(frame);
    if (header.type !== BinaryFrameType.call) throw new ProtocolError(ErrorCode.MALFORMED, 'A client may only send binary call frames');
  } catch (error) {
    conn.send(errorMessage(null, error, dc.dev));
    return;
  }
  const timed = dc.telemetry.active || dc.metrics !== undefined;
  const start = timed ? performance.now() : 0;
  const id = header.id;
  let path = '';
  let failed = false;
  let admitted = false;
  /** What the handler returned, for telemetry (the DevTools show it and its size). */
  let answer: unknown;
  const finish = (failure?: ErrorMessage) => {
    if (timed) finishCall(dc, conn, { id, path, args: [new BinaryPayload(header.payloadLength)], start, bytesIn: frame.length, result: answer, failure });
  };
  try {
    admitCall(dc, conn);
    admitted = true;
    if (header.pathLength === 0) throw new ProtocolError(ErrorCode.MALFORMED, 'A binary call needs a path');
    if (header.pathLength > dc.limits.maxPathLength) throw new ProtocolError(ErrorCode.LIMIT, `Path is longer than ${dc.limits.maxPathLength} characters`);
    if (header.argsLength > dc.limits.maxFrameBytes) {
      throw new ProtocolError(ErrorCode.FRAME_TOO_LARGE, `Arguments are larger than ${dc.limits.maxFrameBytes} bytes`);
    }
    const body = readBinaryBody(frame, header);
    path = body.path;
    const entry = dc.registry.get(path);
    if (!entry || handlerKind(entry.handler) !== 'binary') throw unknownPath(path, 'binary function');
    const handler = entry.handler as LiveBinary<unknown[], unknown>;
    // Refused on the header's word alone: the payload is never looked at.
    if (header.payloadLength > handler.maxSize) {
      throw new LiveError(
        ErrorCode.FRAME_TOO_LARGE,
        `Payload of ${header.payloadLength} bytes is larger than the ${handler.maxSize} bytes ${path} accepts`,
        { size: header.payloadLength, maxSize: handler.maxSize }
      );
    }
    const args = readArgs(body.argsText, dc);
    const ctx = callContext(dc, conn, id);
    // A copy the handler owns, exactly the payload's size.
    const payload = body.payload.slice();
    const handle = dc.hooks.handle;
    const run = (c: typeof ctx, rest: unknown[]) => guarded(entry, c, () => handler.fn(c, payload, ...rest));
    const result = await (handle === undefined ? run(ctx, args) : runHandle(handle, { ctx, path, args, kind: 'binary', ssr: false }, run).outcome);
    answer = result;
    const bytes = bytesOf(result);
    if (bytes) conn.sendFrame(encodeBinaryFrame({ type: BinaryFrameType.result, id, path: '', argsText: '', payload: bytes }));
    else conn.send({ t: 'result', id, data: result }, path);
  } catch (error) {
    failed = true;
    failCall(dc, conn, id, path, 'binary', error, finish);
  } finally {
    if (admitted) conn.inFlight--;
  }
  if (!failed) finish();
}

/**
 * The extra arguments after the payload: a devalue text, read within the same bounds as a text
 * frame's arguments (nesting, containers, length claims) before anything is built from it.
 */
function readArgs(text: string, dc: DispatchContext): unknown[] {
  if (text.length === 0) return [];
  const args = decodeClientValue(text, dc.limits);
  if (!Array.isArray(args)) throw new ProtocolError(ErrorCode.MALFORMED, 'Binary call arguments must be an array');
  if (args.length + 1 > dc.limits.maxArgs) throw new ProtocolError(ErrorCode.LIMIT, `A call may pass at most ${dc.limits.maxArgs} arguments`);
  return args;
}
