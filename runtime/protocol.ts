/**
 * The wire protocol, shared by the client and the server runtime.
 *
 * A text frame is an array: the version first, then one or more messages. Frames whose values
 * are all plain JSON (the usual case) are written with JSON.stringify; any other frame with
 * `devalue.stringify`, which keeps Date, Map, Set, BigInt, undefined, repeated and cyclic
 * references intact across the wire. The reader tells them apart by the first element: the
 * version number in a JSON frame, devalue's index table in a devalue one.
 *
 * This module holds no devalue: the server's codec (server/frames.ts) passes it in, and the
 * browser loads it only when a frame first needs it (client/rich-codec.ts).
 */

export const PROTOCOL_VERSION = 1;

/** Path the WebSocket is served on, in dev, preview and production alike. */
export const SOCKET_PATH = '/__realtime';

/** The action name a room's cursor moves are called under: not a JavaScript identifier, so no action can take it. */
export const CURSOR_ACTION = '~cursor';

/**
 * The last argument of a subscription that watches a presence stream without entering it (the
 * page's `store.watch`); a presence stream's own arguments cannot end with it.
 */
export const WATCH_ARG = '~watch';

/** What the page's room object answers itself (`room(id).data`, ...): no room action may take these names. */
export const ROOM_OBJECT_FIELDS = ['id', 'data', 'presence', 'watch', 'cursors', 'moveCursor', 'shareCursor'] as const;

/** Whether a request URL (path and query, as in an upgrade request) is for the realtime socket. */
export function isSocketPath(url: string): boolean {
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)) === SOCKET_PATH;
}

/** Sequence position of a topic: `epoch` changes whenever the server's history of the topic restarts. */
export interface TopicPosition {
  epoch: string;
  seq: number;
}

/**
 * How a store folds events in: `crud`, `latest` and `set` for data; `presence` (who is here,
 * `join` and `leave` by key) and `cursor` (latest position per key, `move` and `leave`).
 */
export type MergeStrategy = 'crud' | 'latest' | 'set' | 'presence' | 'cursor';

export interface MergeOptions {
  merge: MergeStrategy;
  /** Field that identifies an item (crud, presence, cursor). Default `id`; `key` for cursors. */
  key: string;
  /** How many items `latest` keeps. Default 50. */
  max: number;
  /** `crud`: the most items the list keeps (the stream's `max`); absent, it grows without bound. */
  limit?: number;
  /** `crud` and `latest`: new items go first (a feed, newest on top) instead of last. */
  prepend?: boolean;
  /**
   * Set for a paginated stream: init returned `{ items, next }` and `loadMore()` fetches the
   * page after `next`; `after` adds pages after the current items, `before` in front of them.
   */
  paginate?: 'after' | 'before';
}

// ---- client → server -------------------------------------------------------------------

/** Call `path` (`module/export`) with arguments. */
export interface CallMessage {
  t: 'call';
  id: number;
  path: string;
  args: unknown[];
}

/** Subscribe to the stream `path` with arguments; `from` resumes after a known position. */
export interface SubscribeMessage {
  t: 'sub';
  id: number;
  path: string;
  args: unknown[];
  from?: TopicPosition;
}

export interface UnsubscribeMessage {
  t: 'unsub';
  id: number;
}

export interface PingMessage {
  t: 'ping';
  id: number;
}

export type ClientMessage = CallMessage | SubscribeMessage | UnsubscribeMessage | PingMessage;

// ---- server → client -------------------------------------------------------------------

/** First message on every connection. */
export interface HelloMessage {
  t: 'hello';
  connection: string;
  /** Largest frame the server accepts, in bytes. */
  maxFrame: number;
  /** Most messages the server accepts in one frame. */
  maxMessages: number;
}

export interface ResultMessage {
  t: 'result';
  id: number;
  data: unknown;
}

export interface ErrorMessage {
  t: 'error';
  /** The request or subscription the error answers; `null` when the frame could not be read. */
  id: number | null;
  code: string;
  message: string;
  /** Only in dev. */
  stack?: string;
  /** Extra, machine-readable detail (validation issues, retry-after...). */
  details?: unknown;
}

/** A subscription's initial value: replaces whatever the store held. */
export interface SnapshotMessage {
  t: 'snapshot';
  id: number;
  topic: string;
  position: TopicPosition;
  merge: MergeOptions;
  data: unknown;
}

/** A subscription resumed from `from` without re-running init; missed events follow. */
export interface ResumedMessage {
  t: 'resumed';
  id: number;
  topic: string;
  merge: MergeOptions;
}

/** One publish. Identical for every subscriber, so it is serialised once per publish. */
export interface EventMessage {
  t: 'event';
  topic: string;
  seq: number;
  event: string;
  data: unknown;
}

export interface PongMessage {
  t: 'pong';
  id: number;
}

export type ServerMessage =
  | HelloMessage
  | ResultMessage
  | ErrorMessage
  | SnapshotMessage
  | ResumedMessage
  | EventMessage
  | PongMessage;

/** Error codes the runtime itself produces. Handlers add their own through LiveError. */
export const ErrorCode = {
  UNKNOWN_PATH: 'UNKNOWN_PATH',
  MALFORMED: 'MALFORMED',
  UNSUPPORTED_PROTOCOL: 'UNSUPPORTED_PROTOCOL',
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  LIMIT: 'LIMIT',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  INTERNAL: 'INTERNAL',
  TIMEOUT: 'TIMEOUT',
  DISCONNECTED: 'DISCONNECTED',
  /** The client gave up on a call before it was sent: too many were waiting for the socket, or it waited too long. */
  OFFLINE: 'OFFLINE'
} as const;

/** devalue's two halves, passed in where a frame may need them (the browser loads them lazily). */
export type RichStringify = (value: unknown) => string;
export type RichUnflatten = (parsed: number | unknown[]) => unknown;

/**
 * A frame's text: JSON when every value is plain, else `rich` (devalue's stringify). Undefined
 * when the frame needs `rich` and none was given: the browser then loads it and tries again.
 */
export function encodeFrameWith(
  messages: readonly (ClientMessage | ServerMessage | undefined)[],
  rich: RichStringify | undefined,
  /** How many of `messages` to send, from the first: senders reuse one queue array. */
  count = messages.length
): string | undefined {
  let frame: unknown[];
  if (count === 1) frame = [PROTOCOL_VERSION, messages[0]];
  else {
    frame = new Array(count + 1);
    frame[0] = PROTOCOL_VERSION;
    for (let i = 0; i < count; i++) frame[i + 1] = messages[i];
  }
  return plainJson(frame) ?? rich?.(frame);
}


/**
 * Objects met by the current `isPlain` walk, reused by every frame and emptied after each: the
 * first few in an array (a frame is usually a handful of objects, and scanning those beats
 * hashing), any beyond in a set.
 */
const SCANNED = 16;
const met: (object | undefined)[] = [];
let metCount = 0;
const metMore = new Set<object>();
/** Deeper values take the devalue path (whose walk does not recurse on the stack). */
const PLAIN_DEPTH = 64;

/** Records `value` as met; false when it was met before (a repeated or cyclic reference). */
function meet(value: object): boolean {
  if (metCount < SCANNED) {
    for (let i = 0; i < metCount; i++) if (met[i] === value) return false;
    met[metCount++] = value;
    return true;
  }
  if (metMore.has(value)) return false;
  if (metCount++ === SCANNED) for (const earlier of met) metMore.add(earlier!);
  metMore.add(value);
  return true;
}

/** `value` as JSON when JSON carries it exactly (see isPlain); undefined when it needs devalue. */
export function plainJson(value: unknown): string | undefined {
  let plain: boolean;
  try {
    plain = isPlain(value, 0);
  } finally {
    // A loop, not `fill`: Array.prototype.fill is a call into the engine's C++, several times
    // the cost of clearing a handful of slots here.
    for (let i = Math.min(metCount, SCANNED) - 1; i >= 0; i--) met[i] = undefined;
    if (metCount > SCANNED) metMore.clear();
    metCount = 0;
  }
  return plain ? JSON.stringify(value) : undefined;
}

/**
 * True when JSON carries `value` exactly as devalue would: finite numbers other than -0,
 * strings, booleans, null, dense arrays and Object-prototype objects, each object met once (a
 * repeated or cyclic reference needs devalue to keep its identity).
 */
function isPlain(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth > PLAIN_DEPTH || !meet(value)) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          // A hole reads as undefined too.
          if (value[i] === undefined || !isPlain(value[i], depth + 1)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) {
        if (key === '__proto__' || !isPlain((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return Object.getOwnPropertySymbols(value).length === 0;
    }
    default:
      return false;
  }
}

/** JSON.parse reviver that refuses a `__proto__` key, as devalue does. */
function refuseProto(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new Error('__proto__ key');
  return value;
}

export class ProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * A value from the wire, for an error message: short values as they are, anything else by its
 * kind. Never the value whole: spelling out an array can take longer than any frame (a sparse
 * one claims billions of slots, shared references multiply) and echo megabytes back.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? '(an array)' : '(an object)';
    default:
      return `(a ${typeof value})`;
  }
}

/** The refusal of a frame from another protocol version (a page loaded before a deploy). */
export function unsupportedVersion(version: unknown): ProtocolError {
  return new ProtocolError(
    ErrorCode.UNSUPPORTED_PROTOCOL,
    `Protocol version ${describeValue(version)} is not supported; this server speaks version ${PROTOCOL_VERSION}. Reload the page to get a matching client.`
  );
}

/**
 * Reads a frame into its messages, with devalue's half passed in: undefined when the frame is a
 * devalue one and `rich` was not given (the browser then loads it and reads the frame again).
 * Throws ProtocolError for anything that is not a frame of this protocol version; message
 * shapes are checked by the receiver.
 */
export function decodeFrameWith(text: string, rich: RichUnflatten | undefined): unknown[] | undefined {
  let value: unknown;
  try {
    let raw: unknown = JSON.parse(text);
    if (Array.isArray(raw) && typeof raw[0] === 'number') {
      // A JSON frame. Its keys are checked only when the text could hold a `__proto__` one:
      // spelled out, or with some of its letters as `\u` escapes, which JSON.parse decodes in
      // keys too. (Searching for `"` first, as `"__proto__"` would, stops at every key.)
      if (text.includes('__proto__') || text.includes('\\u')) raw = JSON.parse(text, refuseProto);
      value = raw;
    } else {
      if (!rich) return undefined;
      value = rich(raw as number | unknown[]);
    }
  } catch {
    throw new ProtocolError(ErrorCode.MALFORMED, 'Frame is not a svelte-realtime frame');
  }
  if (!Array.isArray(value) || value.length < 2) {
    throw new ProtocolError(ErrorCode.MALFORMED, 'Frame must hold a version and at least one message');
  }
  if (value[0] !== PROTOCOL_VERSION) throw unsupportedVersion(value[0]);
  // The parsed array is ours: dropping the version in place spares a copy per frame.
  value.shift();
  return value;
}

/**
 * Key for a stream's argument list, equal for equal plain arguments; undefined for arguments
 * JSON cannot carry exactly (a Date, a Map...), which then get a store of their own each time.
 */
export function argsKey(args: readonly unknown[]): string | undefined {
  return args.length === 0 ? '' : plainJson(args);
}

// ---- binary frames (live.binary) ------------------------------------------------------------

/**
 * A binary frame carries one `live.binary` call or its binary result. Text frames are unchanged;
 * a result that is not binary, and every error, come back as ordinary text messages.
 *
 *   offset  bytes  field
 *   0       1      protocol version (PROTOCOL_VERSION)
 *   1       1      type: 1 = call (client → server), 2 = result (server → client)
 *   2       4      request id, uint32 big-endian
 *   6       2      path length P in bytes, uint16 BE (0 in a result)
 *   8       4      arguments length A in bytes, uint32 BE (0 when there are none)
 *   12      4      payload length N in bytes, uint32 BE
 *   16      P      path `module/export`, UTF-8
 *   16+P    A      extra arguments: devalue text of an array, UTF-8
 *   16+P+A  N      payload
 *
 * The header alone says how large the payload is, so a receiver can refuse a frame over a
 * handler's limit without reading (or copying) its body.
 */
export const BINARY_HEADER_BYTES = 16;

export const BinaryFrameType = { call: 1, result: 2 } as const;

export interface BinaryFrameHeader {
  version: number;
  type: number;
  id: number;
  pathLength: number;
  argsLength: number;
  payloadLength: number;
}

export interface BinaryFrame {
  type: (typeof BinaryFrameType)[keyof typeof BinaryFrameType];
  id: number;
  /** Empty in a result. */
  path: string;
  /** Extra arguments after the payload, as devalue text; empty when there are none, and in a result. */
  argsText: string;
  payload: Uint8Array;
}

/** Encodes a binary frame (the payload is copied once, into the frame). */
export function encodeBinaryFrame(frame: BinaryFrame): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const path = encoder.encode(frame.path);
  const args = encoder.encode(frame.argsText);
  const bytes = new Uint8Array(BINARY_HEADER_BYTES + path.length + args.length + frame.payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, PROTOCOL_VERSION);
  view.setUint8(1, frame.type);
  view.setUint32(2, frame.id);
  view.setUint16(6, path.length);
  view.setUint32(8, args.length);
  view.setUint32(12, frame.payload.length);
  bytes.set(path, BINARY_HEADER_BYTES);
  bytes.set(args, BINARY_HEADER_BYTES + path.length);
  bytes.set(frame.payload, BINARY_HEADER_BYTES + path.length + args.length);
  return bytes;
}

/**
 * Reads a binary frame's header and checks that the lengths it declares add up to the frame's
 * size. Throws ProtocolError (MALFORMED, UNSUPPORTED_PROTOCOL); reads nothing past the header.
 */
export function readBinaryHeader(bytes: Uint8Array): BinaryFrameHeader {
  if (bytes.length < BINARY_HEADER_BYTES) throw new ProtocolError(ErrorCode.MALFORMED, 'Binary frame is shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, BINARY_HEADER_BYTES);
  const header: BinaryFrameHeader = {
    version: view.getUint8(0),
    type: view.getUint8(1),
    id: view.getUint32(2),
    pathLength: view.getUint16(6),
    argsLength: view.getUint32(8),
    payloadLength: view.getUint32(12)
  };
  if (header.version !== PROTOCOL_VERSION) throw unsupportedVersion(header.version);
  if (BINARY_HEADER_BYTES + header.pathLength + header.argsLength + header.payloadLength !== bytes.length) {
    throw new ProtocolError(ErrorCode.MALFORMED, 'Binary frame lengths do not add up to its size');
  }
  return header;
}

/** The path, arguments and payload of a frame whose header was read (the payload is a view, not a copy). */
export function readBinaryBody(bytes: Uint8Array, header: BinaryFrameHeader): { path: string; argsText: string; payload: Uint8Array } {
  const decoder = new TextDecoder();
  const pathEnd = BINARY_HEADER_BYTES + header.pathLength;
  const argsEnd = pathEnd + header.argsLength;
  return {
    path: decoder.decode(bytes.subarray(BINARY_HEADER_BYTES, pathEnd)),
    argsText: decoder.decode(bytes.subarray(pathEnd, argsEnd)),
    payload: bytes.subarray(argsEnd, argsEnd + header.payloadLength)
  };
}
