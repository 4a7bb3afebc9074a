/**
 * A call's own bytes on the wire, for the RPC panel: its message as the page sent it and its
 * answer as the server sent it, encoded by the protocol's own codec (JSON when every value is
 * plain, devalue otherwise). Calls queued in the same turn share one frame: each is charged its
 * own message, not the whole frame. A `live.binary` call is one binary frame each way, whose
 * size the runtime reports as it read it.
 *
 * Computed only for events an open panel is sent, never on the call path. Plain values are
 * counted from their JSON (made once, see events.ts); a rich value (a Date, a Map, a BigInt)
 * has to be encoded again with devalue to be counted, so at most RICH_COUNTS_PER_SECOND of
 * those are counted each second and the rest are left uncounted: under a flood of rich calls the
 * panel still gets every call, and the server does not pay a second encoding for each.
 */
import type { TelemetryEventOf } from '../../runtime/server/telemetry.js';
import { BinaryPayload } from '../../runtime/server/telemetry.js';
import { BINARY_HEADER_BYTES, plainJson, type ServerMessage } from '../../runtime/protocol.js';
import { encodeMessage } from '../../runtime/server/frames.js';
import type { JsonMemo } from './json-memo.js';

/** `[1,` before a JSON frame's first message and `]` after its last. */
const JSON_FRAME_ENVELOPE = 4;

/** A call's values as JSON (plainJson: undefined when one is not plain), computed once for its bytes and its previews. */
export interface CallJson {
  args: string | undefined;
  result: string | undefined;
}

export function callJson(event: TelemetryEventOf<'call'>, memo?: JsonMemo): CallJson {
  if (event.args[0] instanceof BinaryPayload) return { args: undefined, result: undefined };
  return { args: plainJson(event.args), result: event.ok ? (memo ? memo.of(event.result) : plainJson(event.result)) : undefined };
}

/** Rich values whose bytes are counted each second. */
export const RICH_COUNTS_PER_SECOND = 500;

/** What is left of this second's counts of rich values. */
export class RichCounting {
  private second = -1;
  private left = 0;

  constructor(
    private readonly perSecond = RICH_COUNTS_PER_SECOND,
    private readonly now: () => number = Date.now
  ) {}

  /** True when one more rich value may be counted this second. */
  take(): boolean {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.left = this.perSecond;
    }
    if (this.left === 0) return false;
    this.left--;
    return true;
  }
}

const COUNT_ALL = { take: () => true };

/** The call's bytes each way; a side is undefined when its rich value was not counted (see RichCounting). */
export function callBytes(
  event: TelemetryEventOf<'call'>,
  json: CallJson = callJson(event),
  counting: Pick<RichCounting, 'take'> = COUNT_ALL
): { in: number | undefined; out: number | undefined } {
  const answer: ServerMessage = event.ok
    ? { t: 'result', id: event.id, data: event.result }
    : { t: 'error', id: event.id, code: event.error?.code ?? 'INTERNAL', message: event.error?.message ?? '', stack: event.error?.stack };
  if (event.args[0] instanceof BinaryPayload) {
    const bytes = binaryBytes(event.ok ? event.result : undefined);
    return { in: event.bytesIn, out: bytes === undefined ? messageBytes(answer) : BINARY_HEADER_BYTES + bytes };
  }
  // The common case, plain values: the envelope is counted, only the value is encoded.
  const { args, result } = json;
  const inBytes =
    args !== undefined
      ? envelope('call', event.id, event.path) + Buffer.byteLength(args)
      : counting.take()
        ? messageBytes({ t: 'call', id: event.id, path: event.path, args: event.args })
        : undefined;
  const outBytes = result !== undefined ? resultBytes(event.id, result) : !event.ok || counting.take() ? messageBytes(answer) : undefined;
  return { in: inBytes, out: outBytes };
}

/** `{"t":"call","id":7,"path":"m/echo","args":` and the closing brace, in bytes. */
function envelope(type: 'call', id: number, path: string): number {
  return `{"t":"${type}","id":${id},"path":`.length + Buffer.byteLength(JSON.stringify(path)) + ',"args":'.length + 1;
}

/** `{"t":"result","id":7,"data":…}` in bytes. */
function resultBytes(id: number, data: string): number {
  return `{"t":"result","id":${id},"data":`.length + Buffer.byteLength(data) + 1;
}

/** Bytes of one message inside a frame: JSON frames hold it verbatim; a devalue frame is counted whole. */
function messageBytes(message: Parameters<typeof encodeMessage>[0]): number {
  let frame: string;
  try {
    frame = encodeMessage(message);
  } catch {
    return 0; // a value neither codec carries was refused when it was sent; nothing went out
  }
  const bytes = Buffer.byteLength(frame);
  return frame.startsWith('[1,') ? bytes - JSON_FRAME_ENVELOPE : bytes;
}

/** The length of a binary result, as binary-dispatch sends it; undefined when it answers with text. */
function binaryBytes(value: unknown): number | undefined {
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return undefined;
}
