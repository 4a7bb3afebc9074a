/**
 * LiveReloader without Vite: a real LiveProject on a temp folder, a real Runtime, and a host
 * whose `importModule` returns namespaces the test controls. Covers what is awkward to time
 * through a file watcher: saves arriving while a reload runs, and locating errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { failureOf, formatFailure, LiveReloader, type ReloadFailure } from '../../plugin/reload.js';
import { LiveProject } from '../../plugin/project.js';
import { resolveOptions } from '../../plugin/options.js';
import { live } from '../../runtime/server/handlers.js';
import { Runtime } from '../../runtime/server/runtime.js';

const root = path.resolve('test/.work', `reloader-${process.pid}`);
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function setup() {
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'src/live'), { recursive: true });
  const file = path.join(root, 'src/live/a.ts').split(path.sep).join('/');
  fs.writeFileSync(file, "import { live } from 'svelte-realtime/server';\nexport const v = live(() => 1);\n");
  const project = new LiveProject(root, resolveOptions({ typedImports: false }), { warn() {}, error() {} });
  const runtime = new Runtime();
  const imports: string[] = [];
  const sources: (string | undefined)[] = [];
  let failOnce: Error | undefined;
  const failures: ReloadFailure[] = [];
  let version = 0;
  let gate: Promise<void> | undefined;
  let fail: Error | undefined;
  const reloader = new LiveReloader({
    root,
    project,
    runtime,
    options: { dev: true, origins: [] },
    async importModule(f, source) {
      imports.push(f);
      sources.push(source);
      if (fail) throw fail;
      if (failOnce) {
        const error = failOnce;
        failOnce = undefined;
        throw error;
      }
      const value = ++version;
      await gate;
      return { v: live(() => value) };
    },
    invalidate() {},
    reportFailure: (failure) => void failures.push(failure),
    reportRecovered() {},
    info() {}
  });
  const call = () => (runtime.registry.get('a/v')!.handler as { fn: (ctx: unknown) => unknown }).fn({});
  return {
    file,
    reloader,
    runtime,
    project,
    imports,
    sources,
    failures,
    call,
    block: (p: Promise<void> | undefined) => (gate = p),
    throwOnImport: (error: Error) => (fail = error),
    throwOnNextImport: (error: Error) => (failOnce = error)
  };
}

describe('LiveReloader', () => {
  it('collects saves that arrive during a reload into one more reload', async () => {
    const { file, reloader, imports, call, block } = setup();
    await reloader.load();
    expect(imports).toEqual([file]);
    let release!: () => void;
    block(new Promise<void>((resolve) => (release = resolve)));
    const first = reloader.schedule({ files: [file], trigger: file });
    await new Promise((resolve) => setImmediate(resolve));
    // Three more saves while the first reload waits on its import.
    const more = [1, 2, 3].map(() => reloader.schedule({ files: [file], trigger: file }));
    release();
    block(undefined);
    await Promise.all([first, ...more]);
    expect(imports).toEqual([file, file, file]);
    expect(call()).toBe(3);
  });

  it('keeps a module that throws on import, and reports where', async () => {
    const { file, reloader, runtime, failures, call, throwOnImport } = setup();
    await reloader.load();
    const error = new Error('boom');
    error.stack = `Error: boom\n    at helper (${root}/node_modules/x/index.js:1:1)\n    at ${file}:7:13\n    at async ESModulesEvaluator.runInlinedModule (file:///x/vite/module-runner.js:1:1)`;
    throwOnImport(error);
    await reloader.schedule({ files: [file], trigger: file });
    expect(call()).toBe(1);
    expect(failures).toMatchObject([{ file: 'src/live/a.ts', line: 7, column: 13, message: 'threw while loading: boom' }]);
    expect(formatFailure(failures[0]!)).toBe('src/live/a.ts:7:13 threw while loading: boom. Its previous handlers stay active; fix it and save.');
    expect(runtime.registry.list().map((e) => e.path)).toEqual(['a/v']);
  });
});

describe('a module that holds something', () => {
  it('is evaluated from the source its table was read from, and again from that source when its new version throws', async () => {
    const { file, reloader, project, sources, failures, call, throwOnNextImport } = setup();
    await reloader.load();
    const first = fs.readFileSync(file, 'utf8');
    expect(sources).toEqual([first]);
    const second = first.replace('live(() => 1)', 'live(() => 2)');
    fs.writeFileSync(file, second);
    project.update(file, second);
    throwOnNextImport(new Error('port in use'));
    await reloader.schedule({ files: [file], trigger: file });
    // The new source threw; the previous one was evaluated again (a second instance), and it answers.
    expect(sources).toEqual([first, second, first]);
    expect(failures).toMatchObject([{ message: 'threw while loading: port in use' }]);
    expect(call()).toBe(2);
  });
});

describe('failureOf', () => {
  it('uses the location of a transform error', () => {
    const error = Object.assign(new Error('Unexpected token'), { loc: { file: `${root}/src/live/b.ts`, line: 3, column: 4 } });
    expect(failureOf(error, root, `${root}/src/live/b.ts`, 'threw while loading')).toMatchObject({ file: 'src/live/b.ts', line: 3, column: 5 });
  });

  it('falls back to the file alone when nothing in the stack is in the project', () => {
    const error = new Error('x');
    error.stack = 'Error: x\n    at /elsewhere/lib.js:1:1';
    expect(failureOf(error, root, `${root}/src/live/b.ts`, 'threw while loading')).toMatchObject({ file: 'src/live/b.ts', line: undefined });
  });
});
