/**
 * One pass over a client frame's text before JSON.parse sees it, so that what a frame costs to
 * decode is bounded by its length and not by its shape.
 *
 * JSON.parse materialises whatever nesting it is given (a 1 MiB frame of `[[[[...` is half a
 * million arrays), and a frame whose element count or nesting is over a limit is refused anyway.
 * The scan counts the frame's elements and measures nesting from the text itself, so those are
 * refused (or cut out) before anything is built. Strings are skipped with indexOf, so a frame
 * that is mostly string data costs next to nothing to scan.
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
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

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

/**
 * Scans `text` as a frame: `maxNesting` bounds a JSON frame's nesting counting the frame array
 * itself (elements deeper than it are reported in `tooDeep`); a devalue table deeper than
 * table → entry, or a `__proto__` key anywhere, is refused with MALFORMED. Text that is not JSON
 * at all is left for JSON.parse to refuse.
 */
export function scanFrame(text: string, maxNesting: number): FrameScan {
  const scan: FrameScan = { json: false, elements: 0, tooDeep: [], cuts: [] };
  const length = text.length;
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_ARRAY) return scan;
  const first = text.charCodeAt(skipSpace(text, i + 1));
  if (first === CLOSE_ARRAY) return scan;
  scan.json = first === 0x2d || (first >= 0x30 && first <= 0x39);
  scan.elements = 1;
  const limit = scan.json ? maxNesting : TABLE_NESTING;
  let depth = 0;
  // The field value (a container opened inside a message) being scanned, and how deep it goes.
  let fieldStart = -1;
  let fieldDeepest = 0;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end - i + 1 <= LONGEST_PROTO_KEY && isKey(text, end) && isProto(text, i, end)) throw malformed();
      i = end;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth++;
      if (depth <= limit) {
        if (depth === 3) {
          fieldStart = i;
          fieldDeepest = 3;
        }
      } else if (!scan.json) {
        throw malformed();
      } else if (depth > fieldDeepest) {
        fieldDeepest = depth;
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth === 3 && fieldDeepest > limit) {
        scan.cuts.push(fieldStart, i + 1);
        if (scan.tooDeep[scan.tooDeep.length - 1] !== scan.elements - 1) scan.tooDeep.push(scan.elements - 1);
      }
      depth--;
    } else if (c === COMMA && depth === 1) {
      scan.elements++;
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
