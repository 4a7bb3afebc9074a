/**
 * "Copy as test": a vitest test, written with `svelte-realtime/test`, that makes a call the
 * overlay saw again, as the same user, and asserts what the call answered. Values come from the
 * bounded previews the overlay holds, so a value a preview cut short (too deep, too long, a
 * function) is asserted loosely and the test says so in a comment.
 */
import { expandPreview, type Preview } from 'virtual:svelte-realtime/devtools-wire';
import type { CallRecord } from './event-store.js';
import { splitPath } from './format.js';

/** Source that rebuilds the value a preview shows, or undefined when the preview lost part of it. */
export function previewSource(p: Preview, indent = ''): string | undefined {
  if (p.t === 'json') return previewSource(expandPreview(p), indent);
  const inner = indent + '  ';
  /** Items on one line when short, else one per line; `open` and `close` lose their inner space on their own lines. */
  const list = (items: (string | undefined)[], open: string, close: string) => {
    if (items.some((item) => item === undefined)) return undefined;
    if (items.length === 0) return `${open.trim()}${close.trim()}`;
    const oneLine = `${open}${items.join(', ')}${close}`;
    if (oneLine.length <= 80 && !oneLine.includes('\n')) return oneLine;
    return `${open.trimEnd()}\n${inner}${items.join(`,\n${inner}`)}\n${indent}${close.trimStart()}`;
  };
  switch (p.t) {
    case 'undefined':
    case 'null':
      return p.t;
    case 'bool':
      return String(p.v);
    case 'num':
      return p.v === '-0' ? '-0' : p.v === 'NaN' ? 'Number.NaN' : p.v === 'Infinity' ? 'Infinity' : p.v === '-Infinity' ? '-Infinity' : p.v;
    case 'bigint':
      return `${p.v}n`;
    case 'str':
      return p.more ? undefined : JSON.stringify(p.v);
    case 'date':
      return p.v === 'Invalid Date' ? 'new Date(Number.NaN)' : `new Date(${JSON.stringify(p.v)})`;
    case 'bytes':
      return p.n > p.head.length ? undefined : `new ${p.name}([${p.head.join(', ')}])`;
    case 'array':
      return p.items.length < p.n ? undefined : list(p.items.map((item) => previewSource(item, inner)), '[', ']');
    case 'set':
      return p.items.length < p.n ? undefined : list([list(p.items.map((item) => previewSource(item, inner)), '[', ']')], 'new Set(', ')');
    case 'map': {
      if (p.entries.length < p.n) return undefined;
      const entries = p.entries.map(([k, v]) => {
        const key = previewSource(k, inner);
        const value = previewSource(v, inner);
        return key === undefined || value === undefined ? undefined : `[${key}, ${value}]`;
      });
      return list([list(entries, '[', ']')], 'new Map(', ')');
    }
    case 'object': {
      if (p.entries.length < p.n || p.name) return undefined; // a class instance: its prototype is not in the preview
      const entries = p.entries.map(([k, v]) => {
        const value = previewSource(v, inner);
        return value === undefined ? undefined : `${propertyName(k)}: ${value}`;
      });
      return list(entries, '{ ', ' }');
    }
    default:
      return undefined; // regexp, function, symbol, error, repeated references, cut: not rebuilt from a preview
  }
}

export interface TestSourceInput {
  call: CallRecord;
  /** The user of the call's connection, as the server showed it; undefined when unknown. */
  user: Preview | undefined;
}

/** The test file's text. */
export function testSource({ call, user }: TestSourceInput): string {
  const [module, name] = splitPath(call.path);
  const binding = identifier(module || name);
  const argsPreview = call.args && expandPreview(call.args);
  const args = argsPreview?.t === 'array' ? previewSource(argsPreview, '  ') : undefined;
  const userSource = user ? previewSource(user, '  ') : undefined;
  const argsText = args === undefined ? '/* the arguments were too large to copy: fill them in */' : args.slice(1, -1);
  const connect =
    user === undefined || user.t === 'null' || user.t === 'undefined'
      ? '  const client = await server.connect(); // a guest, through your upgrade hook'
      : userSource === undefined
        ? '  const client = await server.connect({ user: { /* the user was too large to copy: fill it in */ } });'
        : `  const client = await server.connect({ user: ${userSource} });`;
  const callExpression = `client.live(${binding}).${name}(${argsText})`;
  const lines = [
    `// Copied from the svelte-realtime DevTools: ${call.path}, as ${call.connection} called it at ${new Date(call.time).toISOString()}.`,
    `import { afterEach, expect, it } from 'vitest';`,
    `import { createTestServer, type TestServer } from 'svelte-realtime/test';`,
    `import * as ${binding} from '../src/live/${module || name}';`,
    ``,
    `const modules = import.meta.glob('/src/live/**/*.ts', { eager: true });`,
    ``,
    `let server: TestServer;`,
    `afterEach(() => server?.close());`,
    ``,
    `it(${JSON.stringify(`${call.path} answers as it did in dev`)}, async () => {`,
    `  server = await createTestServer({ modules }); // add { hooks } if src/hooks.ws.ts decides who the user is`,
    connect
  ];
  if (call.status === 'error' && call.error) {
    const code = call.error.code === undefined ? '' : `code: ${JSON.stringify(call.error.code)}, `;
    lines.push(`  await expect(${callExpression}).rejects.toMatchObject({ ${code}message: ${JSON.stringify(call.error.message)} });`);
  } else {
    const result = call.result ? previewSource(call.result, '  ') : undefined;
    lines.push(`  const result = await ${callExpression};`);
    lines.push(
      result === undefined
        ? `  expect(result).toBeDefined(); // the result was too large or rich to copy: assert what matters`
        : `  expect(result).toEqual(${result});`
    );
  }
  lines.push(`});`, ``);
  return lines.join('\n');
}

function identifier(path: string): string {
  const last = path.split('/').pop() ?? 'live';
  let out = '';
  for (const ch of last) out += (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch === '_' || ch === '$' ? ch : '_';
  return out === '' || (out[0]! >= '0' && out[0]! <= '9') ? `_${out}` : out;
}

function propertyName(key: string): string {
  return identifier(key) === key ? key : JSON.stringify(key);
}
