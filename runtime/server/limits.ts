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
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxMessagesPerFrame: 128,
  maxArgs: 32,
  maxDepth: 32,
  maxPathLength: 256,
  maxInFlight: 64,
  maxSubscriptions: 256,
  maxBinaryBytes: 16 * 1024 * 1024
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

/**
 * True when `value` holds a chain of more than `limit` nested objects (arrays, maps and sets
 * count). devalue lets a frame share one object from several places and close cycles, so this
 * bounds the longest chain a walk of the value can follow, not the first one it meets:
 *
 * - the walk is a depth-first search, and a search path is itself such a chain, so it stops
 *   as soon as one is longer than `limit` (recursion never goes deeper than that);
 * - objects that reach each other (a cycle) are taken together, counting each of them once,
 *   and the height of every group is computed once, however many paths lead to it (Tarjan's
 *   strongly connected components, linear in objects and references).
 *
 * For a value without cycles that is exactly its nesting depth; a cycle counts its objects.
 */
export function depthExceeds(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  // Most arguments are small trees: a plain walk settles those without allocating anything.
  // Only a value that walk cannot clear (deeper than the limit along some path, which a
  // cycle also is, or too large to walk path by path) gets the exact search below.
  treeBudget = TREE_WALK_BUDGET;
  if (treeWithin(value, 1, limit)) return false;
  const order = new Map<object, number>();
  const low = new Map<object, number>();
  const open: object[] = [];
  const isOpen = new Set<object>();
  const heights = new Map<object, number>();
  let exceeded = false;

  const visit = (node: object, depth: number): void => {
    if (depth > limit) {
      exceeded = true;
      return;
    }
    order.set(node, order.size);
    low.set(node, order.get(node)!);
    open.push(node);
    isOpen.add(node);
    for (const child of objectChildren(node)) {
      if (!order.has(child)) {
        visit(child, depth + 1);
        if (exceeded) return;
        low.set(node, Math.min(low.get(node)!, low.get(child)!));
      } else if (isOpen.has(child)) {
        low.set(node, Math.min(low.get(node)!, order.get(child)!));
      }
    }
    if (low.get(node) !== order.get(node)) return;
    // `node` closes a group of objects that reach each other; everything below it is done.
    const group: object[] = [];
    let member: object;
    do {
      member = open.pop()!;
      isOpen.delete(member);
      group.push(member);
    } while (member !== node);
    let below = 0;
    for (const m of group) for (const child of objectChildren(m)) below = Math.max(below, heights.get(child) ?? 0);
    const height = group.length + below;
    for (const m of group) heights.set(m, height);
    if (height > limit) exceeded = true;
  };

  visit(value, 1);
  return exceeded;
}

/** Objects the plain walk may visit (a shared object counts each time it is reached). */
const TREE_WALK_BUDGET = 256;
let treeBudget = 0;

/**
 * True when every path from `node` is at most `limit` objects long, found by following each
 * path (exact for any value, since it measures every chain); false when it is not, or when the
 * walk runs out of budget and cannot tell.
 */
function treeWithin(node: object, depth: number, limit: number): boolean {
  if (depth > limit || --treeBudget < 0) return false;
  if (node instanceof Map) {
    for (const [key, child] of node) {
      if (!childWithin(key, depth, limit) || !childWithin(child, depth, limit)) return false;
    }
    return true;
  }
  if (node instanceof Set) {
    for (const child of node) if (!childWithin(child, depth, limit)) return false;
    return true;
  }
  for (const key in node) {
    if (Object.hasOwn(node, key) && !childWithin((node as Record<string, unknown>)[key], depth, limit)) return false;
  }
  return true;
}

function childWithin(child: unknown, depth: number, limit: number): boolean {
  return typeof child !== 'object' || child === null || treeWithin(child, depth + 1, limit);
}

function objectChildren(node: object): object[] {
  const children = node instanceof Map ? [...node.keys(), ...node.values()] : node instanceof Set ? [...node] : Object.values(node);
  return children.filter((child): child is object => typeof child === 'object' && child !== null);
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
