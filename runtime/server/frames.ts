/**
 * The server's frame codec: the protocol's encoder and decoder with devalue always at hand
 * (the browser's loads devalue on demand instead; see client/rich-codec.ts), and the reader of
 * clients' frames, which bounds what a frame costs before anything is built from it.
 */
import { stringify, unflatten } from 'devalue';
import {
  decodeFrameWith,
  encodeFrameWith,
  ErrorCode,
  PROTOCOL_VERSION,
  ProtocolError,
  unsupportedVersion,
  type ClientMessage,
  type ServerMessage
} from '../protocol.js';
import { entryHeights, MAX_BIGINT_DIGITS, OVERSIZED } from './devalue-table.js';
import { scanFrame, type FrameScan } from './frame-scan.js';
import { messageId, RefusedMessage, type Limits } from './limits.js';

/** The frame of `messages` (the first `count` of them, when given). */
export function encodeFrame(messages: readonly (ClientMessage | ServerMessage | undefined)[], count = messages.length): string {
  return encodeFrameWith(messages, stringify, count)!;
}

export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return encodeFrameWith([message], stringify)!;
}

/** Reads a frame this side trusts (a server's); throws ProtocolError for anything that is not one. */
export function decodeFrame(text: string): unknown[] {
  return decodeFrameWith(text, unflatten)!;
}

/** Objects a message adds above its arguments: the message itself and its `args` array. */
const MESSAGE_LEVELS = 2;

/**
 * Reads a client's frame into its messages, within `limits`, measuring it before building it:
 * the text is scanned once (frame-scan.ts), and a devalue frame's index table is measured
 * (devalue-table.ts) before devalue revives it. A message nested deeper than `maxDepth`, one
 * whose containers would take the frame past `maxObjectsPerFrame`, or one holding a sparse
 * array or BigInt longer than the frame allows, is not built: it becomes a RefusedMessage, so
 * its refusal answers its id and the frame's other messages go on. Throws ProtocolError when
 * the frame as a whole is refused (a devalue table past `maxObjectsPerFrame` among others).
 */
export function decodeClientFrame(text: string, limits: Limits): unknown[] {
  const maxHeight = limits.maxDepth + MESSAGE_LEVELS;
  // The frame array holds the messages: one level above them.
  const scan = scanFrame(text, { maxNesting: maxHeight + 1, maxObjects: limits.maxObjectsPerFrame, maxValues: limits.maxValuesPerFrame });
  const frame = scan.json ? readJsonFrame(text, scan, limits) : readTableFrame(text, limits);
  frame.shift();
  return frame;
}

/** A JSON frame: parsed with its too-deep field values cut out, those messages then refused. */
function readJsonFrame(text: string, scan: FrameScan, limits: Limits): unknown[] {
  if (scan.elements - 1 > limits.maxMessagesPerFrame) throw tooManyMessages(limits);
  const frame = parse(scan.cuts.length === 0 ? text : cutOut(text, scan.cuts));
  if (!Array.isArray(frame) || frame.length < 2) throw notMessages();
  if (frame[0] !== PROTOCOL_VERSION) throw unsupportedVersion(frame[0]);
  for (const index of scan.tooDeep) frame[index] = new RefusedMessage(messageId(frame[index]), tooDeep(limits));
  for (const index of scan.tooMany) frame[index] = new RefusedMessage(messageId(frame[index]), tooManyObjects(limits));
  for (const index of scan.tooManyValues) frame[index] = new RefusedMessage(messageId(frame[index]), tooManyValues(limits));
  return frame;
}

/**
 * A devalue frame: its root entry holds the version and the messages. The version is checked
 * and each message measured on the table; devalue then revives the messages that passed.
 */
function readTableFrame(text: string, limits: Limits): unknown[] {
  const table = parse(text);
  if (!Array.isArray(table)) throw notAFrame();
  const root: unknown = table[0];
  // A plain array: not a Set or Map (tagged by a string), nor a sparse array (-7).
  if (!Array.isArray(root) || typeof root[0] === 'string' || root[0] === -7 || root.length < 2) throw notMessages();
  if (root.length - 1 > limits.maxMessagesPerFrame) throw tooManyMessages(limits);
  const versionRef: unknown = root[0];
  // A negative index is one of devalue's markers (undefined, NaN...); a reference past the table is not devalue.
  if (typeof versionRef !== 'number' || versionRef >= table.length) throw notAFrame();
  const version: unknown = versionRef >= 0 ? table[versionRef] : undefined;
  if (version !== PROTOCOL_VERSION) throw unsupportedVersion(version);
  const heights = entryHeights(table, text.length);
  const refused = new Map<number, RefusedMessage>();
  for (let index = 1; index < root.length; index++) {
    const entry: unknown = root[index];
    if (!isIndex(entry, table.length) || heights[entry]! <= limits.maxDepth + MESSAGE_LEVELS) continue;
    refused.set(index, new RefusedMessage(tableMessageId(table, entry), heights[entry]! >= OVERSIZED ? oversized() : tooDeep(limits)));
    // devalue's marker for `undefined`: the refused message is never built.
    root[index] = -1;
  }
  const frame = revive(table) as unknown[];
  for (const [index, message] of refused) frame[index] = message;
  return frame;
}

/**
 * A devalue text from a client holding one value (a binary call's arguments), revived when it
 * holds at most `maxObjectsPerFrame` containers and its nesting (the value itself counting
 * one) is at most `maxDepth + 1`. Throws ProtocolError: MALFORMED when it is not devalue, LIMIT
 * when it is too deep, too large or claims too much.
 */
export function decodeClientValue(text: string, limits: Limits): unknown {
  const maxHeight = limits.maxDepth + 1;
  const scan = scanFrame(text, { maxNesting: 0, maxObjects: limits.maxObjectsPerFrame, maxValues: limits.maxValuesPerFrame });
  if (scan.json) throw notAFrame();
  const table = parse(text);
  if (!Array.isArray(table)) throw notAFrame();
  const heights = entryHeights(table, text.length);
  if (heights.length > 0 && heights[0]! > maxHeight) throw heights[0]! >= OVERSIZED ? oversized() : tooDeep(limits);
  return revive(table);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw notAFrame();
  }
}

function revive(table: unknown[]): unknown {
  try {
    return unflatten(table);
  } catch {
    throw notAFrame();
  }
}

/** `text` with each `[start, end)` span of `cuts` replaced by `null`. */
function cutOut(text: string, cuts: readonly number[]): string {
  let kept = '';
  let from = 0;
  for (let i = 0; i < cuts.length; i += 2) {
    kept += text.slice(from, cuts[i]) + 'null';
    from = cuts[i + 1]!;
  }
  return kept + text.slice(from);
}

/** The id of the message at table entry `entry`, read from the table without reviving it. */
function tableMessageId(table: readonly unknown[], entry: number): number | null {
  const message = table[entry];
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null;
  const id = (message as { id?: unknown }).id;
  return messageId({ id: isIndex(id, table.length) ? table[id] : undefined });
}

function isIndex(value: unknown, count: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < count;
}

function notAFrame(): ProtocolError {
  return new ProtocolError(ErrorCode.MALFORMED, 'Frame is not a svelte-realtime frame');
}

function notMessages(): ProtocolError {
  return new ProtocolError(ErrorCode.MALFORMED, 'Frame must hold a version and at least one message');
}

function tooManyMessages(limits: Limits): ProtocolError {
  return new ProtocolError(ErrorCode.LIMIT, `A frame may carry at most ${limits.maxMessagesPerFrame} messages`);
}

function tooDeep(limits: Limits): ProtocolError {
  return new ProtocolError(ErrorCode.LIMIT, `Arguments are nested deeper than ${limits.maxDepth} levels`);
}

function tooManyObjects(limits: Limits): ProtocolError {
  return new ProtocolError(
    ErrorCode.LIMIT,
    `A frame may hold at most ${limits.maxObjectsPerFrame} objects and arrays; send large data in several calls, or raise limits.maxObjectsPerFrame`
  );
}

function tooManyValues(limits: Limits): ProtocolError {
  return new ProtocolError(
    ErrorCode.LIMIT,
    `A frame may hold at most ${limits.maxValuesPerFrame} values; send large data in several calls or as live.binary, or raise limits.maxValuesPerFrame`
  );
}

function oversized(): ProtocolError {
  return new ProtocolError(
    ErrorCode.LIMIT,
    `A message holds a sparse array longer than its frame or a BigInt of more than ${MAX_BIGINT_DIGITS} digits`
  );
}
