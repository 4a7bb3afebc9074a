/**
 * `live.stream` and `live.channel` options are exact: a misspelled `merge` value or option key is one type error,
 * reported on the misspelling and naming it. The `@ts-expect-error` lines are checked by
 * `npx tsc -p tsconfig.json` (each must sit right above the line the error lands on); the test
 * below asks the compiler for the message and its line.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/index.js';
import type { LiveChannel } from '../../runtime/server/kinds/channel.js';
import type { CursorEntry } from '../../runtime/server/kinds/cursor.js';
import type { LiveStream } from '../../runtime/server/kinds/stream.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Never called: these calls exist for the compiler (the runtime would throw on them). */
export function misspelledOptions(): unknown[] {
  return [
    live.stream('todos', () => [{ id: 1 }], {
      // @ts-expect-error: 'crdu' is not a merge strategy
      merge: 'crdu',
      key: 'id'
    }),
    live.stream('todos', () => [{ id: 1 }], {
      // @ts-expect-error: mrege is not an option
      mrege: 'crud'
    }),
    live.stream(
      (_ctx, room: string) => `chat:${room}`,
      async (_ctx, room) => [{ id: 1, room }],
      // @ts-expect-error: 'lates' is not a merge strategy
      { merge: 'lates' }
    ),
    // @ts-expect-error: a paginated init returns { items, next }
    live.stream('todos', async () => [1, 2], { paginate: true }),
    live.channel('typing', {
      // @ts-expect-error: 'lates' is not a channel merge
      merge: 'lates'
    }),
    live.channel((_ctx, room: string) => `typing:${room}`, {
      // @ts-expect-error: mrege is not an option
      mrege: 'set'
    })
  ];
}

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Never called: the types a correct stream or channel gets (checked by tsc). */
export function typedStreams(): unknown[] {
  const plain: LiveStream<[], { id: number }[], false> = live.stream('todos', () => [{ id: 1 }], { merge: 'crud', key: 'id', max: 10 });
  const dynamic = live.stream(
    (_ctx, room: string) => `chat:${room}`,
    (_ctx, room) => [{ room }],
    { merge: 'latest' }
  );
  const pages: LiveStream<[number], { n: number }[], true> = live.stream(
    (_ctx, page: number) => `log:${page}`,
    async (_ctx, page) => ({ items: [{ n: page }], next: null }),
    { paginate: 'before' }
  );
  const noOptions: LiveStream<[], number, false> = live.stream('count', () => 1);
  const typing: LiveChannel<[], unknown, 'set', false> = live.channel('typing', { publish: true });
  const shouts = live.channel((_ctx, room: string) => `shouts:${room}`, {
    merge: 'latest',
    publish: (_ctx, _event, data: string) => data.length < 10
  });
  const pointers: LiveChannel<[], { x: number }, 'cursor', false> = live.channel('pointers', { merge: 'cursor', publish: (_ctx, _event, _data: { x: number }) => true });
  const entries: CursorEntry<{ x: number }>[] | undefined = undefined;
  // Exactly these types, not merely assignable (an `any` would pass an annotation).
  const exact: [Same<typeof shouts, LiveChannel<[string], string, 'latest', true>>, Same<typeof dynamic, LiveStream<[string], { room: string }[], true, 'latest'>>] = [true, true];
  return [exact, plain, dynamic, pages, noOptions, typing, shouts, pointers, entries];
}

/** The compiler's errors for one file of live-module code, as `line: message`. */
function typeErrors(code: string): string[] {
  const file = path.join(repo, 'test/plugin/__stream-options-probe.ts');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile;
  host.readFile = (name) => (path.resolve(name) === file ? code : readFile(name));
  host.fileExists = ((exists) => (name: string) => path.resolve(name) === file || exists(name))(host.fileExists);
  const program = ts.createProgram([file], options, host);
  const source = program.getSourceFile(file)!;
  return ts.getPreEmitDiagnostics(program, source).map((d) => `${source.getLineAndCharacterOfPosition(d.start!).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('live.stream options', () => {
  it('report a misspelled merge value and key on the misspelling, once, naming it', { timeout: 60_000 }, () => {
    const errors = typeErrors(
      [
        "import { live } from '../../runtime/server/index.js';",
        "export const a = live.stream('todos', () => [{ id: 1 }], {",
        "  merge: 'crdu',",
        "  key: 'id'",
        '});',
        "export const b = live.stream('todos', () => [{ id: 1 }], {",
        "  mrege: 'crud'",
        '});',
        ''
      ].join('\n')
    );
    expect(errors).toEqual([
      `3: Type '"crdu"' is not assignable to type 'MergeStrategy | undefined'.`,
      expect.stringMatching(/^7: Object literal may only specify known properties, but 'mrege' does not exist in type .*Did you mean to write 'merge'\?$/)
    ]);
  });
});

// The runtime agrees: the same mistakes throw when the module loads.
describe('live.stream options at run time', () => {
  it('throws on a merge value that is not a strategy', () => {
    expect(() => live.stream('todos', () => [], { merge: 'crdu' as 'crud' })).toThrow(/merge must be one of crud, latest, set, presence, cursor; got "crdu"/);
  });
});
