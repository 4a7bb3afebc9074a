/**
 * A bounded, JSON-safe picture of any value, for display in the DevTools. Rich types (Date,
 * Map, Set, BigInt, undefined, errors, typed arrays) are kept as what they are, cycles and
 * repeats become references, and depth, entries, string length and total nodes are capped,
 * so a huge or hostile value costs a fixed amount to send and to render.
 */

export type Preview =
  | { t: 'undefined' }
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  /** Numbers as text, so NaN, Infinity and -0 survive JSON. */
  | { t: 'num'; v: string }
  | { t: 'bigint'; v: string }
  /** `more`: characters left out. */
  | { t: 'str'; v: string; more?: number }
  | { t: 'date'; v: string }
  | { t: 'regexp'; v: string }
  | { t: 'fn'; v: string }
  | { t: 'symbol'; v: string }
  | { t: 'error'; name: string; message: string; stack?: string }
  | { t: 'bytes'; name: string; n: number; head: number[] }
  /** `n`: the real length; `items` may be shorter. */
  | { t: 'array'; n: number; items: Preview[] }
  | { t: 'object'; name?: string; n: number; entries: [string, Preview][] }
  | { t: 'map'; n: number; entries: [Preview, Preview][] }
  | { t: 'set'; n: number; items: Preview[] }
  /** A value already shown higher up (a cycle or a repeat). */
  | { t: 'ref' }
  /** Left out: too deep, or the node budget ran out. */
  | { t: 'cut' }
  /**
   * A small plain value as its JSON text: what the server sends for the values of its hot
   * events (it has that text already, to count a call's bytes), instead of building and
   * encoding a tree per value. The overlay expands it on receipt (`expandPreview`).
   */
  | { t: 'json'; v: string };

export interface PreviewLimits {
  depth: number;
  entries: number;
  string: number;
  nodes: number;
}

export const DEFAULT_LIMITS: PreviewLimits = { depth: 8, entries: 100, string: 2000, nodes: 4000 };

export function preview(value: unknown, limits: PreviewLimits = DEFAULT_LIMITS): Preview {
  let nodes = 0;
  const seen = new Set<object>();

  const walk = (v: unknown, depth: number): Preview => {
    if (++nodes > limits.nodes) return { t: 'cut' };
    switch (typeof v) {
      case 'undefined':
        return { t: 'undefined' };
      case 'boolean':
        return { t: 'bool', v };
      case 'number':
        return { t: 'num', v: Object.is(v, -0) ? '-0' : String(v) };
      case 'bigint':
        return { t: 'bigint', v: v.toString() };
      case 'string':
        return v.length > limits.string ? { t: 'str', v: v.slice(0, limits.string), more: v.length - limits.string } : { t: 'str', v };
      case 'symbol':
        return { t: 'symbol', v: v.toString() };
      case 'function':
        return { t: 'fn', v: v.name || 'anonymous' };
    }
    if (v === null) return { t: 'null' };
    const object = v as object;
    if (object instanceof Date) return { t: 'date', v: Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString() };
    if (object instanceof RegExp) return { t: 'regexp', v: String(object) };
    if (object instanceof Error) {
      return { t: 'error', name: object.name, message: clip(object.message, limits.string), stack: object.stack && clip(object.stack, limits.string) };
    }
    if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
      const bytes = object instanceof ArrayBuffer ? new Uint8Array(object) : new Uint8Array(object.buffer, object.byteOffset, object.byteLength);
      return { t: 'bytes', name: object.constructor?.name ?? 'ArrayBuffer', n: bytes.byteLength, head: [...bytes.subarray(0, 16)] };
    }
    if (seen.has(object)) return { t: 'ref' };
    if (depth >= limits.depth) return { t: 'cut' };
    seen.add(object);
    if (Array.isArray(object)) {
      const items: Preview[] = [];
      for (let i = 0; i < object.length && i < limits.entries; i++) items.push(walk(object[i], depth + 1));
      return { t: 'array', n: object.length, items };
    }
    if (object instanceof Map) {
      const entries: [Preview, Preview][] = [];
      for (const [k, item] of object) {
        if (entries.length >= limits.entries) break;
        entries.push([walk(k, depth + 1), walk(item, depth + 1)]);
      }
      return { t: 'map', n: object.size, entries };
    }
    if (object instanceof Set) {
      const items: Preview[] = [];
      for (const item of object) {
        if (items.length >= limits.entries) break;
        items.push(walk(item, depth + 1));
      }
      return { t: 'set', n: object.size, items };
    }
    const keys = Object.keys(object);
    const entries: [string, Preview][] = [];
    for (const key of keys) {
      if (entries.length >= limits.entries) break;
      let item: unknown;
      try {
        item = (object as Record<string, unknown>)[key];
      } catch (error) {
        item = error; // a throwing getter shows its error instead of breaking the preview
      }
      entries.push([clip(key, 200), walk(item, depth + 1)]);
    }
    const proto = Object.getPrototypeOf(object) as { constructor?: { name?: string } } | null;
    const name = proto && proto !== Object.prototype ? proto.constructor?.name : undefined;
    return name ? { t: 'object', name, n: keys.length, entries } : { t: 'object', n: keys.length, entries };
  };

  return walk(value, 0);
}

/** Longest JSON text sent as it is; a longer value is previewed (and so bounded) instead. */
export const PACKED_PREVIEW_CHARS = 4096;

/**
 * The preview of `value` for the wire: its JSON text (`json`, from plainJson: undefined when
 * the value is not plain) when short enough, else its bounded preview.
 */
export function packedPreview(value: unknown, json: string | undefined): Preview {
  return json !== undefined && json.length <= PACKED_PREVIEW_CHARS ? { t: 'json', v: json } : preview(value);
}

/** JSON text already expanded, by the preview that carried it (a list row is summarised on every redraw). */
const expanded = new WeakMap<Preview, Preview>();

/**
 * A preview as the panels show it: JSON text sent by the server becomes its preview, when a
 * panel first shows it (an event nobody looks at is never parsed).
 */
export function expandPreview(p: Preview): Preview {
  if (p.t !== 'json') return p;
  let shown = expanded.get(p);
  if (shown) return shown;
  try {
    shown = preview(JSON.parse(p.v));
  } catch {
    shown = { t: 'str', v: p.v };
  }
  expanded.set(p, shown);
  return shown;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
