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
  | { t: 'cut' };

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

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A one-line summary of a preview, at most `max` characters: `{ id: 1, text: "hi" }`. */
export function summarize(p: Preview, max = 120): string {
  let out = '';
  const write = (s: string) => {
    out += s;
    return out.length < max;
  };
  const go = (v: Preview, depth: number): boolean => {
    switch (v.t) {
      case 'undefined':
      case 'null':
        return write(v.t);
      case 'bool':
        return write(String(v.v));
      case 'num':
        return write(v.v);
      case 'bigint':
        return write(`${v.v}n`);
      case 'str':
        return write(JSON.stringify(v.v.length > max ? v.v.slice(0, max) : v.v) + (v.more ? '…' : ''));
      case 'date':
        return write(`Date(${v.v})`);
      case 'regexp':
      case 'symbol':
        return write(v.v);
      case 'fn':
        return write(`ƒ ${v.v}()`);
      case 'error':
        return write(`${v.name}: ${v.message}`);
      case 'bytes':
        return write(`${v.name}(${v.n})`);
      case 'ref':
        return write('[circular]');
      case 'cut':
        return write('…');
      case 'array':
      case 'set': {
        const items = v.t === 'array' ? v.items : v.items;
        if (depth > 1) return write(v.t === 'array' ? `Array(${v.n})` : `Set(${v.n})`);
        if (!write(v.t === 'array' ? '[' : `Set(${v.n}) {`)) return false;
        for (let i = 0; i < items.length; i++) {
          if (i > 0 && !write(', ')) return false;
          if (!go(items[i]!, depth + 1)) return false;
        }
        return write(v.t === 'array' ? (items.length < v.n ? ', …]' : ']') : items.length < v.n ? ', …}' : '}');
      }
      case 'map': {
        if (depth > 1) return write(`Map(${v.n})`);
        if (!write(`Map(${v.n}) {`)) return false;
        for (let i = 0; i < v.entries.length; i++) {
          const [k, item] = v.entries[i]!;
          if (i > 0 && !write(', ')) return false;
          if (!go(k, depth + 1) || !write(' => ') || !go(item, depth + 1)) return false;
        }
        return write('}');
      }
      case 'object': {
        if (depth > 1) return write(v.name ? `${v.name} {…}` : '{…}');
        if (!write(v.name ? `${v.name} { ` : '{ ')) return false;
        for (let i = 0; i < v.entries.length; i++) {
          const [k, item] = v.entries[i]!;
          if (i > 0 && !write(', ')) return false;
          if (!write(`${k}: `) || !go(item, depth + 1)) return false;
        }
        return write(v.entries.length < v.n ? ', … }' : v.entries.length ? ' }' : '}');
      }
    }
  };
  go(p, 0);
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** Whether two previews show the same value. */
export function samePreview(a: Preview, b: Preview): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
