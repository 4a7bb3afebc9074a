import { describe, expect, it } from 'vitest';
import { LiveParseError } from '../../plugin/export-table.js';
import { parseLiveModule } from '../../plugin/parse.js';

const FILE = 'src/live/chat.ts';
const IMPORT = "import { live, guard } from 'svelte-realtime/server';";

/** Joins lines so that line numbers in assertions are easy to read: line 1 is the first argument. */
function src(...lines: string[]): string {
  return lines.join('\n');
}

/** The export table as [name, kind, line] rows (topics checked separately). */
function table(code: string, file = FILE) {
  return parseLiveModule(code, file).exports.map((e) => [e.name, e.kind, e.position.line]);
}

/** The LiveParseError thrown for `code`. */
function refused(code: string, file = FILE): LiveParseError {
  try {
    parseLiveModule(code, file);
  } catch (error) {
    expect(error).toBeInstanceOf(LiveParseError);
    return error as LiveParseError;
  }
  throw new Error('expected parseLiveModule to throw');
}

const GUARD_MESSAGE = 'guard() must be exported directly: export const guard = guard(...)';

describe('recognising handlers', () => {
  it('reads a plain live() export', () => {
    const result = parseLiveModule(src(IMPORT, '', 'export const send = live(async (ctx, text: string) => text);'), FILE);
    expect(result).toEqual({
      exports: [{ name: 'send', kind: 'live', position: { line: 3, column: 14 }, fingerprint: expect.any(String) }],
      warnings: [],
      fingerprint: expect.any(String)
    });
  });

  it('follows an aliased import of live', () => {
    const code = src("import { live as rpc } from 'svelte-realtime/server';", 'export const a = rpc(async () => 1);', 'export const s = rpc.stream("t", async () => []);');
    expect(table(code)).toEqual([
      ['a', 'live', 2],
      ['s', 'stream', 3]
    ]);
  });

  it('follows a namespace import', () => {
    const code = src(
      "import * as rt from 'svelte-realtime/server';",
      'export const a = rt.live(async () => 1);',
      "export const s = rt.live.stream('t', async () => []);",
      'export const g = rt.guard(() => {});'
    );
    expect(table(code)).toEqual([
      ['a', 'live', 2],
      ['s', 'stream', 3],
      ['g', 'guard', 4]
    ]);
  });

  it('ignores type-only imports of live', () => {
    const code = src("import type { live } from 'svelte-realtime/server';", 'export const a = live(async () => 1);');
    const result = parseLiveModule(code, FILE);
    expect(result.exports).toEqual([]);
    expect(result.warnings).toHaveLength(1);
  });

  it('unwraps a type annotation on the declarator', () => {
    expect(table(src(IMPORT, 'export const a: Foo = live(async () => 1);'))).toEqual([['a', 'live', 2]]);
  });

  it('unwraps satisfies', () => {
    expect(table(src(IMPORT, 'export const a = live(async () => 1) satisfies Foo;'))).toEqual([['a', 'live', 2]]);
  });

  it('unwraps as, non-null and parentheses', () => {
    const code = src(IMPORT, 'export const a = (live(async () => 1) as Foo)!;', 'export const b = (<Foo>live(async () => 2));');
    expect(table(code)).toEqual([
      ['a', 'live', 2],
      ['b', 'live', 3]
    ]);
  });

  it('names an export { a as b } by its exported name at the specifier', () => {
    const code = src(IMPORT, 'const a = live(async () => 1);', 'const c = live(async () => 2);', '', 'export { a as b,', '  c };');
    const result = parseLiveModule(code, FILE);
    expect(result.exports).toEqual([
      { name: 'b', kind: 'live', position: { line: 5, column: 10 }, fingerprint: expect.any(String) },
      { name: 'c', kind: 'live', position: { line: 6, column: 3 }, fingerprint: expect.any(String) }
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('finds a local declared after its export { }', () => {
    expect(table(src(IMPORT, 'export { a };', 'const a = live(async () => 1);'))).toEqual([['a', 'live', 2]]);
  });

  it('ignores commented-out exports', () => {
    const code = src(IMPORT, '// export const a = live(async () => 1);', '/* export const b = live(async () => 2); */', 'export const c = live(async () => 3);');
    expect(parseLiveModule(code, FILE)).toEqual({
      exports: [{ name: 'c', kind: 'live', position: { line: 4, column: 14 }, fingerprint: expect.any(String) }],
      warnings: [],
      fingerprint: expect.any(String)
    });
  });

  it('warns on an unknown live.<member> and leaves it out', () => {
    const result = parseLiveModule(src(IMPORT, 'export const x = live.foo(async () => 1);'), FILE);
    expect(result.exports).toEqual([]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0].message).toContain('live.foo is not a handler kind this version knows');
    expect(result.warnings[0].position.line).toBe(2);
  });

  it('recognises a handler exported with let, and warns to use const', () => {
    const result = parseLiveModule(src(IMPORT, 'export let a = live(async () => 1);'), FILE);
    expect(result.exports.map((e) => e.name)).toEqual(['a']);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0].message).toContain('use const');
    expect(result.warnings[0].position.line).toBe(2);
  });

  it('reports columns in UTF-16 units after non-ASCII text', () => {
    const result = parseLiveModule(src(IMPORT, "const s = 'héllo😀'; export const a = live(async () => s);"), FILE);
    expect(result.exports[0].position).toEqual({ line: 2, column: 35 });
  });

  it('counts CRLF line endings once', () => {
    const code = [IMPORT, '', 'export const a = live(async () => 1);'].join('\r\n');
    expect(table(code)).toEqual([['a', 'live', 3]]);
  });
});

describe('fingerprints', () => {
  const code = (a: string, b: string, shared = 'const k = 1;') =>
    src(IMPORT, shared, `export const a = live(async () => ${a});`, `export const b = live(async () => ${b});`);
  const read = (text: string) => parseLiveModule(text, FILE);

  it('change for the export whose source changed, and only for it', () => {
    const before = read(code('1', '2'));
    const after = read(code('10', '2'));
    expect(after.exports[0].fingerprint).not.toBe(before.exports[0].fingerprint);
    expect(after.exports[1].fingerprint).toBe(before.exports[1].fingerprint);
    expect(after.fingerprint).toBe(before.fingerprint);
  });

  it('of the module change when code outside the handlers does', () => {
    const before = read(code('1', '2'));
    const after = read(code('1', '2', 'const k = 2;'));
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(after.exports.map((e) => e.fingerprint)).toEqual(before.exports.map((e) => e.fingerprint));
  });
});

describe('stream topics', () => {
  function topic(arg: string) {
    return parseLiveModule(src(IMPORT, `export const s = live.stream(${arg}, async () => []);`), FILE).exports[0];
  }

  it('reads a static string topic', () => {
    expect(topic("'chat'")).toEqual({ name: 's', kind: 'stream', topic: { type: 'static', value: 'chat' }, position: { line: 2, column: 14 }, fingerprint: expect.any(String) });
  });

  it('reads a template topic without expressions', () => {
    expect(topic('`chat:all`').topic).toEqual({ type: 'static', value: 'chat:all' });
  });

  it('marks an arrow topic dynamic', () => {
    expect(topic('(ctx, room: string) => `chat:${room}`').topic).toEqual({ type: 'dynamic' });
  });

  it('marks a function expression topic dynamic', () => {
    expect(topic('function (ctx, room) { return room; }').topic).toEqual({ type: 'dynamic' });
  });

  it('records an identifier topic as static with unknown value', () => {
    expect(topic('TOPIC').topic).toEqual({ type: 'static' });
  });

  it('records a template with expressions as static with unknown value', () => {
    expect(topic('`chat:${ROOM}`').topic).toEqual({ type: 'static' });
  });

  it('unwraps `as const` on a topic', () => {
    expect(topic("'chat' as const").topic).toEqual({ type: 'static', value: 'chat' });
  });
});

describe('guards', () => {
  it('reads a plain guard export', () => {
    const code = src(IMPORT, 'export const auth = guard((ctx) => {});', 'export const a = live(async () => 1);');
    expect(table(code)).toEqual([
      ['auth', 'guard', 2],
      ['a', 'live', 3]
    ]);
  });

  it('reads an aliased guard export', () => {
    const code = src("import { live, guard as protect } from 'svelte-realtime/server';", 'export const guard = protect((ctx) => {});');
    expect(table(code)).toEqual([['guard', 'guard', 2]]);
  });

  it('reads a guard exported through export { }', () => {
    const code = src(IMPORT, 'const auth = guard((ctx) => {});', 'export { auth as g };');
    expect(table(code)).toEqual([['g', 'guard', 3]]);
  });

  it('reads a guard under satisfies', () => {
    expect(table(src(IMPORT, 'export const g = guard((ctx) => {}) satisfies Foo;'))).toEqual([['g', 'guard', 2]]);
  });

  it('does not mistake property names for guard references', () => {
    const code = src(
      IMPORT,
      'export const g = guard((ctx) => {});',
      'const o = { guard: 1, [`k`]: 2 };',
      'o.guard;',
      'enum E { guard = 1 }',
      'type T = typeof guard;',
      'guard: for (;;) break guard;'
    );
    expect(table(code)).toEqual([['g', 'guard', 2]]);
  });

  it.each([
    ['an alias of guard', ['const g = guard;', 'export const x = g(a);'], 2],
    ['a guard inside a conditional', ['export const a = cond ? guard(x) : guard(y);'], 2],
    ['a guard that is never exported', ['const g = guard(x);'], 2],
    ['a guard exported with let', ['export let g = guard(x);'], 2],
    ['a guard inside another call', ['export const a = live(guard(x));'], 2],
    ['a guard passed as a value', ['export const a = live(async () => 1);', 'register(guard);'], 3],
    ['a guard in a function body', ['export const a = live(async () => guard(x));'], 2],
    ['a guard exported by name', ['export { guard };'], 2],
    ['a guard in a shorthand property', ['const o = { guard };'], 2]
  ])('refuses %s', (_label, lines, line) => {
    const error = refused(src(IMPORT, ...lines));
    expect(error.message).toContain(GUARD_MESSAGE);
    expect(error.position?.line).toBe(line);
  });

  it('refuses an aliased guard used other than directly', () => {
    const error = refused(src("import { guard as protect } from 'svelte-realtime/server';", 'const p = protect;'));
    expect(error.message).toContain(GUARD_MESSAGE);
    expect(error.position).toEqual({ line: 2, column: 11 });
  });

  it('refuses a namespace guard used other than directly', () => {
    const ns = "import * as rt from 'svelte-realtime/server';";
    expect(refused(src(ns, 'const g = rt.guard;')).message).toContain(GUARD_MESSAGE);
    expect(refused(src(ns, "export const g = rt['guard'](x);")).message).toContain(GUARD_MESSAGE);
    expect(refused(src(ns, 'const { guard: g } = rt;')).message).toContain(GUARD_MESSAGE);
    expect(refused(src(ns, 'export const a = rt.live(async () => 1);', 'use(rt);')).position).toEqual({ line: 3, column: 5 });
  });

  it('refuses export default guard(...)', () => {
    const error = refused(src(IMPORT, 'export default guard(x);'));
    expect(error.message).toContain('default exports are not supported in live modules');
    expect(error.position?.line).toBe(2);
  });
});

describe('warnings', () => {
  it('warns on exported values not wrapped in a handler, with their line', () => {
    const code = src(IMPORT, 'export function f() {}', 'export const x = 1;', 'export const y = somethingElse();', 'const z = 2;', 'export { z };');
    const result = parseLiveModule(code, FILE);
    expect(result.exports).toEqual([]);
    expect(result.warnings.map((w) => w.position.line)).toEqual([2, 3, 4, 6]);
    expect(result.warnings[1].message).toBe(
      '`x` is exported but not wrapped in live(); it will not be callable from the client. Wrap it: export const x = live(async (ctx, ...) => ...)'
    );
  });

  it('produces nothing for type exports', () => {
    const code = src(
      IMPORT,
      'export type T = { a: string };',
      'export interface I { a: string }',
      'export declare const d: number;',
      'export declare function df(): void;',
      'type U = number;',
      'export type { U };',
      'interface V {}',
      'export { type V };',
      "import type { W } from './w';",
      'export { W };'
    );
    expect(parseLiveModule(code, FILE)).toEqual({ exports: [], warnings: [], fingerprint: expect.any(String) });
  });

  it('warns on re-exports and adds no entry', () => {
    const code = src(IMPORT, "export { x } from './other';", "export * from './other';", "export * as ns from './other';", "import { y } from './other';", 'export { y };');
    const result = parseLiveModule(code, FILE);
    expect(result.exports).toEqual([]);
    expect(result.warnings.map((w) => w.position.line)).toEqual([2, 3, 4, 6]);
    expect(result.warnings[0].message).toBe(
      're-exports are not supported in live modules: define `x` in this file (or import it and export const x = ...)'
    );
    for (const warning of result.warnings) expect(warning.message).toContain('re-exports are not supported');
  });

  it('ignores type-only re-exports', () => {
    expect(parseLiveModule(src("export type { T } from './t';", "export type * from './t';"), FILE)).toEqual({ exports: [], warnings: [], fingerprint: expect.any(String) });
  });

  it('warns on string export names and adds no entry', () => {
    const result = parseLiveModule(src(IMPORT, 'const x = live(async () => 1);', 'export { x as "a b" };'), FILE);
    expect(result.exports).toEqual([]);
    expect(result.warnings.map((w) => w.position.line)).toEqual([3]);
  });

  it('warns on destructuring exports and adds no entry', () => {
    const result = parseLiveModule(src(IMPORT, 'export const { a, b } = handlers;'), FILE);
    expect(result.exports).toEqual([]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0].message).toContain('destructuring');
    expect(result.warnings[0].position.line).toBe(2);
  });
});

describe('refused modules', () => {
  const DEFAULT_MESSAGE = 'default exports are not supported in live modules: name it, e.g. export const <name> = live(...)';

  it('refuses export default with its line', () => {
    const error = refused(src(IMPORT, '', 'export default live(async () => 1);'));
    expect(error.message).toBe(`${FILE}:3:1 ${DEFAULT_MESSAGE}`);
    expect(error.file).toBe(FILE);
    expect(error.position).toEqual({ line: 3, column: 1 });
  });

  it('refuses export { a as default }', () => {
    const error = refused(src(IMPORT, 'const a = live(async () => 1);', 'export { a as default };'));
    expect(error.message).toContain(DEFAULT_MESSAGE);
    expect(error.position).toEqual({ line: 3, column: 10 });
  });

  it('refuses a syntax error with the parser message and line', () => {
    const error = refused(src(IMPORT, '', 'export const = live(async () => 1);'));
    expect(error.message).toContain('Unexpected token');
    expect(error.position).toEqual({ line: 3, column: 14 });
  });

  it('refuses the same export name twice', () => {
    const error = refused(src(IMPORT, 'export const a = live(async () => 1);', 'export { a };'));
    expect(error.message).toContain('`a` is exported more than once');
    expect(error.position?.line).toBe(3);
  });
});

describe('languages', () => {
  it('parses a .js file as JavaScript', () => {
    const code = src(IMPORT, "export const s = live.stream('t', async () => []);", 'export const a = live(async (ctx, x) => x);');
    expect(table(code, 'src/live/chat.js')).toEqual([
      ['s', 'stream', 2],
      ['a', 'live', 3]
    ]);
  });

  it('refuses TypeScript syntax in a .js file', () => {
    const error = refused(src(IMPORT, 'export const a: number = live(async () => 1);'), 'src/live/chat.js');
    expect(error.position?.line).toBe(2);
  });
});

describe('cron, derived, effect and aggregate', () => {
  it('recognises each kind without a warning, and reads derived sources as static or dynamic', () => {
    const code = src(
      IMPORT,
      "export const tick = live.cron('* * * * * *', 'clock', () => Date.now(), { timezone: 'UTC' });",
      "export const total = live.derived(['orders', 'refunds'], async () => 1);",
      'export const unread = live.derived((ctx, room: string) => [`messages:${room}`], async (room: string) => 0);',
      "export const audit = live.effect('orders', async (event) => {});",
      "export const counts = live.aggregate('messages', { n: 'count' });"
    );
    const result = parseLiveModule(code, FILE);
    expect(result.warnings).toEqual([]);
    expect(result.exports.map((e) => [e.name, e.kind, e.position.line, e.topic?.type])).toEqual([
      ['tick', 'cron', 2, undefined],
      ['total', 'derived', 3, 'static'],
      ['unread', 'derived', 4, 'dynamic'],
      ['audit', 'effect', 5, undefined],
      ['counts', 'aggregate', 6, undefined]
    ]);
  });

  it('follows aliases and namespace imports for the new kinds', () => {
    const code = src(
      "import * as rt from 'svelte-realtime/server';",
      "export const job = rt.live.cron('0 * * * *', 't', () => 1);",
      "export const fx = rt.live.effect(['a', 'b'], () => {});"
    );
    expect(table(code)).toEqual([
      ['job', 'cron', 2],
      ['fx', 'effect', 3]
    ]);
  });
});

describe('validated, rateLimit, binary, channel and room', () => {
  it('recognises each kind without a warning; validated and rateLimit are plain RPCs to the client', () => {
    const code = src(
      IMPORT,
      'export const add = live.validated(Todo, async (ctx, todo) => todo);',
      'export const ping = live.rateLimit({ points: 5, window: 1000 }, async () => 1);',
      'export const upload = live.binary(async (ctx, data) => data.length, { maxSize: 1024 });',
      "export const typing = live.channel('typing', { publish: true });",
      'export const pointer = live.channel((ctx, room: string) => `pointer:${room}`, { merge: "cursor" });',
      'export const board = live.room({ init: () => [] });'
    );
    const result = parseLiveModule(code, FILE);
    expect(result.warnings).toEqual([]);
    expect(result.exports.map((e) => [e.name, e.kind, e.position.line, e.topic])).toEqual([
      ['add', 'live', 2, undefined],
      ['ping', 'live', 3, undefined],
      ['upload', 'binary', 4, undefined],
      ['typing', 'channel', 5, { type: 'static', value: 'typing' }],
      ['pointer', 'channel', 6, { type: 'dynamic' }],
      ['board', 'room', 7, undefined]
    ]);
  });

  it('follows aliases and namespace imports for them', () => {
    const code = src(
      "import * as rt from 'svelte-realtime/server';",
      "export const up = rt.live.binary(() => 1);",
      "export const r = rt.live.room({ init: () => [] });"
    );
    expect(table(code)).toEqual([
      ['up', 'binary', 2],
      ['r', 'room', 3]
    ]);
  });
});
