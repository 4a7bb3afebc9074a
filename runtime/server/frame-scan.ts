/**
 * One pass over a client frame's text before JSON.parse sees it, so that what a frame costs to
 * decode is bounded by its length and not by its shape.
 *
 * JSON.parse materialises whatever nesting it is given (a 1 MiB frame of `[[[[...` is half a
 * million arrays), and a frame whose element count or nesting is over a limit is refused anyway.
 * Many small containers side by side cost as much: `[[]],[[]],...` is 200 000 arrays a MiB,
 * each a heap object, some 15 times what a MiB of string costs. The scan counts the frame's
 * elements, the containers it holds and its nesting from the text itself, so what is over a
 * limit is refused (or cut out) before anything is built. Strings are skipped with indexOf, so
 * a frame that is mostly string data costs next to nothing to scan.
 */
import { ErrorCode, ProtocolError } from '../protocol.js';

export interface FrameScan {
  /** A plain JSON frame (`[version, ...messages]`), as opposed to a devalue index table. */
  json: boolean;
  /** Elements of the top-level array: the version and the messages, or the table's entries. */
  elements: number;
  /**
   * JSON frames only: the index (in the frame, the version being 0) of each element nested
   * deeper than allowed, in order.
   */
  tooDeep: number[];
  /**
   * JSON frames only: `[start, end)` spans of text, in order, each a field value of a too-deep
   * message. Replacing them with `null` leaves a frame whose messages are shallow (and whose
   * too-deep messages keep their id, so their refusal can answer them).
   */
  cuts: number[];
  /**
   * JSON frames only: the index of each message refused because its fields would take the
   * frame past `maxObjects` containers (their fields are in `cuts` too), in order.
   */
  tooMany: number[];
  /** JSON frames only: likewise, each message whose values would take the frame past `maxValues`. */
  tooManyValues: number[];
}

/** What a scan measures against: nesting (counting the frame array) and containers in all. */
export interface ScanLimits {
  maxNesting: number;
  maxObjects: number;
  /** Values of any kind in a JSON frame's messages (each element and member). */
  maxValues: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Characters the scan acts on, by char code; every other character is passed over with one look-up. */
const ACTS_ON = new Uint8Array(128);
for (const c of [QUOTE, COMMA, OPEN_ARRAY, CLOSE_ARRAY, OPEN_OBJECT, CLOSE_OBJECT]) ACTS_ON[c] = 1;

/**
 * In a devalue table, entries are arrays or objects of indexes: nothing is nested deeper than
 * table → entry. Anything deeper is not devalue, and is refused before it is parsed.
 */
const TABLE_NESTING = 2;

/** The longest spelling of `__proto__` as a JSON string: every letter a `\uXXXX` escape, and the quotes. */
const LONGEST_PROTO_KEY = 9 * 6 + 2;

function malformed(): ProtocolError {
  return new ProtocolError(ErrorCode.MALFORMED, 'Frame is not a svelte-realtime frame');
}

function tooManyObjects(maxObjects: number): ProtocolError {
  return new ProtocolError(
    ErrorCode.LIMIT,
    `A frame may hold at most ${maxObjects} objects and arrays; send large data in several calls, or raise limits.maxObjectsPerFrame`
  );
}

/**
 * Scans `text` as a frame. In a JSON frame, a message nested deeper than `maxNesting` (counting
 * the frame array itself) is reported in `tooDeep`, one whose containers would take the frame
 * past `maxObjects` in `tooMany`, and one whose values would take it past `maxValues` in
 * `tooManyValues`; its fields are cut out. A devalue table holding more than `maxObjects`
 * containers and references together is refused with LIMIT (its entries are all built by
 * JSON.parse, so none can be cut); one deeper than table → entry, or a `__proto__` key
 * anywhere, with MALFORMED. Text that is not JSON at all is left for JSON.parse to refuse.
 */
export function scanFrame(text: string, { maxNesting, maxObjects, maxValues }: ScanLimits): FrameScan {
  const scan: FrameScan = { json: false, elements: 0, tooDeep: [], cuts: [], tooMany: [], tooManyValues: [] };
  const length = text.length;
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_ARRAY) return scan;
  const first = text.charCodeAt(skipSpace(text, i + 1));
  if (first === CLOSE_ARRAY) return scan;
  scan.json = first === 0x2d || (first >= 0x30 && first <= 0x39);
  scan.elements = 1;
  const limit = scan.json ? maxNesting : TABLE_NESTING;
  let depth = 0;
  // Containers the frame will hold once parsed (those of cut fields are not built).
  let objects = 0;
  let values = 0;
  // The field value (a container opened inside a message) being scanned, how deep it goes, how
  // many containers it holds, and how many commas separate its values.
  let fieldStart = -1;
  let fieldDeepest = 0;
  let fieldObjects = 0;
  let fieldCommas = 0;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && ACTS_ON[c] === 0) continue;
    if (c === COMMA) {
      if (depth === 1) scan.elements++;
      else if (depth >= 3) fieldCommas++;
      // In a devalue table every member of an entry is a reference to a value that devalue
      // revives and a walk of the value meets: each counts as an object.
      else if (!scan.json && ++objects > maxObjects) throw tooManyObjects(maxObjects);
    } else if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end - i + 1 <= LONGEST_PROTO_KEY && isKey(text, end) && isProto(text, i, end)) throw malformed();
      i = end;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth++;
      if (depth <= limit) {
        if (depth < 3) {
          if (++objects > maxObjects && !scan.json) throw tooManyObjects(maxObjects);
        } else {
          if (depth === 3) {
            fieldStart = i;
            fieldDeepest = 3;
            fieldObjects = fieldCommas = 0;
          }
          fieldObjects++;
        }
      } else if (!scan.json) {
        throw malformed();
      } else if (depth > fieldDeepest) {
        fieldDeepest = depth;
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth === 3) {
        const element = scan.elements - 1;
        if (fieldDeepest > limit) {
          scan.cuts.push(fieldStart, i + 1);
          if (scan.tooDeep[scan.tooDeep.length - 1] !== element) scan.tooDeep.push(element);
        } else if (objects + fieldObjects > maxObjects) {
          scan.cuts.push(fieldStart, i + 1);
          if (scan.tooMany[scan.tooMany.length - 1] !== element) scan.tooMany.push(element);
        } else if (values + fieldObjects + fieldCommas > maxValues) {
          scan.cuts.push(fieldStart, i + 1);
          if (scan.tooManyValues[scan.tooManyValues.length - 1] !== element) scan.tooManyValues.push(element);
        } else {
          objects += fieldObjects;
          values += fieldObjects + fieldCommas;
        }
      }
      depth--;
    }
  }
  return scan;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** Index of the quote that closes the string opened at `start` (the text's length when none does). */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    // A quote is escaped by an odd run of backslashes before it. Each run is counted once, for
    // the one quote it precedes, so this stays linear in the text.
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return text.length;
}

/** Whether the string that closes at `end` is an object key (a colon follows it). */
function isKey(text: string, end: number): boolean {
  return text.charCodeAt(skipSpace(text, end + 1)) === COLON;
}

/** Whether the JSON string `text[start..end]` (quotes included) reads as `__proto__`. */
function isProto(text: string, start: number, end: number): boolean {
  const length = end - start - 1;
  // An escape only lengthens the spelling: a shorter key cannot be it, one as long is it verbatim.
  if (length < 9) return false;
  if (length === 9) return text.startsWith('__proto__', start + 1);
  let escaped = false;
  for (let i = start + 1; i < end && !escaped; i++) escaped = text.charCodeAt(i) === BACKSLASH;
  if (!escaped) return false;
  try {
    return JSON.parse(text.slice(start, end + 1)) === '__proto__';
  } catch {
    return false;
  }
}
