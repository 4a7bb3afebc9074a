/**
 * The wire protocol, shared by the client and the server runtime.
 *
 * A text frame is `devalue.stringify([PROTOCOL_VERSION, ...messages])`: the version first,
 * then one or more messages. devalue keeps Date, Map, Set, BigInt, undefined, repeated and
 * cyclic references intact across the wire.
 */
import { parse, stringify } from 'devalue';

export const PROTOCOL_VERSION = 1;

/** Path the WebSocket is served on, in dev, preview and production alike. */
export const SOCKET_PATH = '/__realtime';

/** Sequence position of a topic: `epoch` changes whenever the server's history of the topic restarts. */
export interface TopicPosition {
  epoch: string;
  seq: number;
}

export type MergeStrategy = 'crud' | 'latest' | 'set';

export interface MergeOptions {
  merge: MergeStrategy;
  /** Field that identifies an item (crud). Default `id`. */
  key: string;
  /** How many items `latest` keeps. Default 50. */
  max: number;
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
  RELOADING: 'RELOADING'
} as const;

export function encodeFrame(messages: readonly (ClientMessage | ServerMessage)[]): string {
  return stringify([PROTOCOL_VERSION, ...messages]);
}

export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return stringify([PROTOCOL_VERSION, message]);
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
 * Reads a frame into its messages. Throws ProtocolError for anything that is not a frame of
 * this protocol version; message shapes are checked by the receiver.
 */
export function decodeFrame(text: string): unknown[] {
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    throw new ProtocolError(ErrorCode.MALFORMED, 'Frame is not a svelte-realtime frame');
  }
  if (!Array.isArray(value) || value.length < 2) {
    throw new ProtocolError(ErrorCode.MALFORMED, 'Frame must hold a version and at least one message');
  }
  if (value[0] !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      ErrorCode.UNSUPPORTED_PROTOCOL,
      `Protocol version ${String(value[0])} is not supported; this server speaks version ${PROTOCOL_VERSION}. Reload the page to get a matching client.`
    );
  }
  return value.slice(1);
}

/** Key for a stream's argument list, stable across calls with equal arguments. */
export function argsKey(args: readonly unknown[]): string {
  return args.length === 0 ? '' : stringify(args);
}
