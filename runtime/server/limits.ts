/**
 * Bounds on untrusted input, and the check that turns a decoded value into a ClientMessage.
 * Everything here runs before a handler sees anything.
 */
import { ErrorCode, ProtocolError, type ClientMessage, type TopicPosition } from '../protocol.js';

export interface Limits {
  /** Largest text frame read, in bytes; larger frames get FRAME_TOO_LARGE and are dropped unread. */
  maxFrameBytes: number;
  /** Messages one frame may carry. */
  maxMessagesPerFrame: number;
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
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxMessagesPerFrame: 128,
  maxArgs: 32,
  maxDepth: 32,
  maxPathLength: 256,
  maxInFlight: 64,
  maxSubscriptions: 256
});

export function resolveLimits(limits: Partial<Limits> = {}): Limits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new TypeError(`svelte-realtime: limits.${name} must be a positive integer; got ${String(value)}`);
    }
  }
  return resolved;
}

function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0x7fffffff;
}

function isPosition(value: unknown): value is TopicPosition {
  if (typeof value !== 'object' || value === null) return false;
  const { epoch, seq } = value as TopicPosition;
  return typeof epoch === 'string' && epoch.length <= 64 && Number.isInteger(seq) && seq >= 0;
}

/** Depth of a decoded value; stops counting at `limit + 1`. Cycles (which devalue allows) count once. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const seen = new Set<object>();
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    if (depth >= limit) return true;
    seen.add(current);
    const children =
      current instanceof Map ? [...current.keys(), ...current.values()] : current instanceof Set ? [...current] : Object.values(current);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/** The id a message claims, when it has a usable one (so a refusal can answer it). */
export function messageId(raw: unknown): number | null {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return isRequestId(id) ? id : null;
}

/**
 * Checks one decoded message against the protocol and the limits. Throws ProtocolError
 * (MALFORMED or LIMIT) naming what is wrong.
 */
export function readClientMessage(raw: unknown, limits: Limits): ClientMessage {
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
      if (depthExceeds(args, limits.maxDepth + 1)) {
        throw new ProtocolError(ErrorCode.LIMIT, `Arguments are nested deeper than ${limits.maxDepth} levels`);
      }
      if (message.t === 'call') return { t: 'call', id: message.id, path, args };
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
      throw new ProtocolError(ErrorCode.MALFORMED, `Unknown message type ${JSON.stringify(String(message.t)).slice(0, 40)}`);
  }
}
