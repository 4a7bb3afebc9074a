/**
 * The package's module structure, checked on every `npm test`:
 * - no value-import cycles in plugin/, runtime/ and devtools-ui/ (a cycle works only while
 *   every binding in it is hoisted, and breaks on an innocent `export const`);
 * - imports go one way: the browser runtime takes only types from the server, the server takes
 *   nothing from the browser runtime, the runtime never loads the plugin, and the plugin never
 *   loads the overlay's code (the overlay is served as source to the browser, never run in Node).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { directionViolations, findCycles, readImportGraph, type DirectionRule } from './import-graph.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const edges = readImportGraph(root, ['plugin', 'runtime', 'devtools-ui']);

const RULES: DirectionRule[] = [
  {
    from: 'runtime/client/',
    to: 'runtime/server/',
    forbid: 'value',
    why: 'the browser runtime may use server types only (import type); shared values belong in a module both sides own'
  },
  {
    from: 'runtime/server/',
    to: 'runtime/client/',
    forbid: 'any',
    why: 'the server must not depend on the browser runtime; move what both need to a module both sides own'
  },
  { from: 'runtime/', to: 'plugin/', forbid: 'any', why: 'the runtime runs without Vite and never loads the plugin' },
  {
    from: 'plugin/',
    to: 'devtools-ui/',
    forbid: 'value',
    why: 'the overlay is browser source served to the page; the plugin shares only the DevTools wire module with it'
  },
  { from: 'devtools-ui/', to: 'plugin/', forbid: 'value', why: 'the overlay runs in the browser and cannot load the Vite plugin' },
  { from: 'devtools-ui/', to: 'runtime/server/', forbid: 'value', why: 'the overlay runs in the browser and cannot load server code' }
];

describe('module structure', () => {
  it('reads the source tree', () => {
    // A guard against a broken walker passing every check vacuously.
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.some((e) => e.from === 'plugin/index.ts')).toBe(true);
    expect(edges.some((e) => e.from.startsWith('devtools-ui/') && e.from.endsWith('.svelte'))).toBe(true);
  });

  it('has no value-import cycles', () => {
    const cycles = findCycles(edges).map((files) => files.join(', '));
    expect(cycles, 'files that import each other in a cycle (break it with a leaf module, or make an import `import type`)').toEqual([]);
  });

  it('imports only in the allowed directions', () => {
    expect(directionViolations(edges, RULES)).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find a cycle and a forbidden direction', () => {
    const sample = [
      { from: 'runtime/a.ts', to: 'runtime/b.ts', kind: 'value' as const, line: 1 },
      { from: 'runtime/b.ts', to: 'runtime/c.ts', kind: 'value' as const, line: 1 },
      { from: 'runtime/c.ts', to: 'runtime/a.ts', kind: 'value' as const, line: 1 },
      { from: 'runtime/c.ts', to: 'runtime/d.ts', kind: 'type' as const, line: 1 },
      { from: 'runtime/d.ts', to: 'runtime/c.ts', kind: 'value' as const, line: 1 },
      { from: 'runtime/client/x.ts', to: 'runtime/server/y.ts', kind: 'type' as const, line: 3 },
      { from: 'runtime/client/x.ts', to: 'runtime/server/z.ts', kind: 'value' as const, line: 4 }
    ];
    expect(findCycles(sample)).toEqual([['runtime/a.ts', 'runtime/b.ts', 'runtime/c.ts']]);
    expect(directionViolations(sample, RULES)).toEqual([
      'runtime/client/x.ts:4 imports runtime/server/z.ts: ' + RULES[0]!.why
    ]);
  });
});
