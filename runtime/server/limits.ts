/**
 * Bounds on untrusted input, and the check that turns a decoded value into a ClientMessage.
 * Everything here runs before a handler sees anything.
 */
import { describeValue, ErrorCode, ProtocolError, type ClientMessage, type TopicPosition } from '../protocol.js';

export interface Limits {
  /** Largest text frame read, in bytes; larger frames get FRAME_TOO_LARGE and are dropped unread. */
  maxFrameBytes: number;
  /** Messages one frame may carry. */
  maxMessagesPerFrame: number;
  /**
   * Objects and arrays one text frame may hold, counted on its text before anything is built
   * (a MiB of `[[]],[[]],...` is 200 000 arrays). A message that would take its frame past
   * this is refused with LIMIT. A devalue frame (one carrying Dates, Maps, undefined...)
   * counts its references too, and is refused as a whole.
   */
  maxObjectsPerFrame: number;
  /** Values of any kind one JSON text frame may hold (a MiB of `0,0,...` is half a million); past it, LIMIT. */
  maxValuesPerFrame: number;
  /** Arguments one call may pass. */
  maxArgs: number;
  /** Nesting depth of arguments (objects, arrays, maps, sets). */
  maxDepth: number;
  /** Length of a `module/export` path. */
  maxPathLength: number;
  /** Calls a connection may have running at once. */
  maxInFlight: number;
  /** Subscriptions one connection may hold. */
  maxSubscriptions: number;
  /**
   * Largest binary frame the socket reads at all (live.binary uploads); each handler's own
   * `maxSize` is checked below it. A larger frame closes the socket (1009).
   */
  maxBinaryBytes: number;
  /** Sockets open at once; an upgrade past it is refused with HTTP 503. */
  maxConnections: number;
  /**
   * Sockets open at once from one client address (the socket's, or the one adapter-node's
   * ADDRESS_HEADER names); past it an upgrade is refused with HTTP 429.
   */
  maxConnectionsPerAddress: number;
  /**
   * Bytes waiting to be sent to one client. A client this far behind is not reading: its socket
   * is cut at once (it sees 1006, and reconnects and resumes).
   */
  maxBufferedBytes: number;
  /**
   * Bytes waiting to be sent to all clients together; past it, the clients furthest behind are
   * cut (checked every 100 ms) until the total fits again.
   */
  maxBufferedBytesTotal: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxMessagesPerFrame: 128,
  maxObjectsPerFrame: 32_768,
  maxValuesPerFrame: 262_144,
  maxArgs: 32,
  maxDepth: 32,
  maxPathLength: 256,
  maxInFlight: 64,
  maxSubscriptions: 256,
  maxBinaryBytes: 16 * 1024 * 1024,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 1_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxBufferedBytesTotal: 256 * 1024 * 1024
});

/**
 * The limits with `limits` over the defaults. Throws TypeError naming the bad key: an unknown
 * name (with the known ones), or a value that is not a positive integer.
 */
export function resolveLimits(limits: Partial<Limits> = {}): Limits {
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
    throw new TypeError(`svelte-realtime: limits must be an object such as { maxConnections: 5000 }; got ${describeValue(limits)}`);
  }
  for (const [name, value] of Object.entries(limits)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, name)) {
      throw new TypeError(`svelte-realtime: unknown limit "${name}"; the limits are ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    }
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`svelte-realtime: limits.${name} must be a positive integer; got ${describeValue(value)}`);
    }
  }
  return { ...DEFAULT_LIMITS, ...limits };
}

/**
 * The limits set in the `REALTIME_LIMITS` environment variable, as JSON
 * (`REALTIME_LIMITS='{"maxConnections":20000}'`): a deployment tunes a built server without
 * rebuilding it. Read when the live modules load; each limit it names overrides
 * `realtime({ limits })`. Throws TypeError naming the variable and the bad key.
 */
export function limitsFromEnvironment(value: string | undefined = process.env.REALTIME_LIMITS): Partial<Limits> {
  if (value === undefined || value.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new TypeError(`svelte-realtime: REALTIME_LIMITS must be JSON such as {"maxConnections":20000}; got ${describeValue(value)}`);
  }
  try {
    resolveLimits(parsed as Partial<Limits>);
  } catch (error) {
    throw new TypeError(`${(error as Error).message} (in REALTIME_LIMITS)`);
  }
  return parsed as Partial<Limits>;
}

function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0x7fffffff;
}

function isPosition(value: unknown): value is TopicPosition {
  if (typeof value !== 'object' || value === null) return false;
  const { epoch, seq } = value as TopicPosition;
  return typeof epoch === 'string' && epoch.length <= 64 && Number.isInteger(seq) && seq >= 0;
}

/**
 * A message the frame reader refused before building it (too deep, or claiming more than its
 * frame can pay for; see frames.ts): it stands in the frame's place for the message, with the
 * id the message claimed, so the refusal answers it.
 */
export class RefusedMessage {
  constructor(
    readonly id: number | null,
    readonly error: ProtocolError
  ) {}
}

/** The id a message claims, when it has a usable one (so a refusal can answer it). */
export function messageId(raw: unknown): number | null {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return isRequestId(id) ? id : null;
}

/**
 * Checks one decoded message against the protocol and the limits. Throws ProtocolError
 * (MALFORMED or LIMIT) naming what is wrong. Its nesting was bounded by the frame reader
 * (frames.ts), which measures it before the message is built.
 */
export function readClientMessage(raw: unknown, limits: Limits): ClientMessage {
  if (raw instanceof RefusedMessage) throw raw.error;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ProtocolError(ErrorCode.MALFORMED, 'A message must be an object');
  }
  const message = raw as Record<string, unknown>;
  if (!isRequestId(message.id)) throw new ProtocolError(ErrorCode.MALFORMED, 'A message needs an integer id');
  switch (message.t) {
    case 'call':
    case 'sub': {
      const { path, args } = message;
      if (typeof path !== 'string' || path.length === 0) {
        throw new ProtocolError(ErrorCode.MALFORMED, `A ${message.t} message needs a path`);
      }
      if (path.length > limits.maxPathLength) {
        throw new ProtocolError(ErrorCode.LIMIT, `Path is longer than ${limits.maxPathLength} characters`);
      }
      if (!Array.isArray(args)) throw new ProtocolError(ErrorCode.MALFORMED, 'args must be an array');
      if (args.length > limits.maxArgs) {
        throw new ProtocolError(ErrorCode.LIMIT, `A call may pass at most ${limits.maxArgs} arguments`);
      }
      // Checked field by field above; a call is read as it came (no copy per call).
      if (message.t === 'call') return message as unknown as ClientMessage;
      if (message.from !== undefined && !isPosition(message.from)) {
        throw new ProtocolError(ErrorCode.MALFORMED, 'from must be { epoch, seq }');
      }
      return { t: 'sub', id: message.id, path, args, from: message.from as TopicPosition | undefined };
    }
    case 'unsub':
      return { t: 'unsub', id: message.id };
    case 'ping':
      return { t: 'ping', id: message.id };
    default:
      throw new ProtocolError(ErrorCode.MALFORMED, `Unknown message type ${describeValue(message.t)}`);
  }
}
