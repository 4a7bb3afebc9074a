/**
 * Previews as text: the one-line summaries the panels show, and whether two previews show the
 * same value. Previews themselves are made by the DevTools wire module (shared with the server).
 */
import { expandPreview, type Preview } from 'virtual:svelte-realtime/devtools-wire';

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
      case 'json':
        return go(expandPreview(v), depth);
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
