/**
 * Dev-time loading and reloading of live modules on the server.
 *
 * `LiveReloader` holds, per live module, the namespace the runtime serves, the source it was
 * evaluated from and the `onDispose` cleanups its evaluation registered. A reload re-imports
 * only the modules it is given (the saved file, the live modules that import a saved
 * dependency, files added under `dir`); every other module comes from the loader's cache. Then
 * the runtime swaps the whole registry in one step (`Runtime.load`), so handlers of every kind
 * are replaced together and timers restart.
 *
 * A module's old instance releases what it holds (its cleanups run) before its new version's
 * top level runs, so a module that binds a port or takes a lock can be saved again and again.
 * A module that does not parse is not imported and nothing is released. A module that throws
 * while loading or exports something that does not register is brought back: its previous
 * source is evaluated again (`importModule(file, source)`), and its handlers answer as before;
 * the others go ahead. If starting the new handlers fails, the runtime puts the previous ones
 * back, the released modules are brought back the same way, and the whole reload is undone.
 *
 * Saves that arrive while a reload runs are collected and applied together in the next one.
 * Plain class over a small host interface: tests drive it without Vite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCleanups, takeUnscopedCleanups, withDisposeScope, type Cleanup } from '../runtime/server/dispose.js';
import type { WsHooks } from '../runtime/server/hooks.js';
import { Registry, type ModuleRegistration } from '../runtime/server/registry.js';
import type { Runtime, RuntimeOptions } from '../runtime/server/runtime.js';
import { LiveParseError } from './export-table.js';
import type { LiveModule } from './generate.js';
import type { LiveExport } from './export-table.js';
import type { LiveProject } from './project.js';
import { relativeTo } from './paths.js';

/** What went wrong with one file, located as precisely as the error allows. */
export interface ReloadFailure {
  /** File relative to the project root. */
  file: string;
  /** Absolute file path (for the overlay's link). */
  absoluteFile: string;
  line?: number;
  column?: number;
  /** What failed, without the location: `threw while loading: db is not defined`. */
  message: string;
  stack?: string;
}

/** One line for the terminal: `src/live/chat.ts:3:9 threw while loading: boom. ...` */
export function formatFailure(failure: ReloadFailure): string {
  const where = failure.line !== undefined ? `${failure.file}:${failure.line}:${failure.column ?? 1}` : failure.file;
  return `${where} ${failure.message}. Its previous handlers stay active; fix it and save.`;
}

export interface ReloadHost {
  root: string;
  project: LiveProject;
  runtime: Runtime;
  options: { dev: boolean; origins: readonly string[]; limits?: RuntimeOptions['limits'] };
  /**
   * Imports a server module through the dev server's loader (the instances the app uses).
   * `source`, when given, is evaluated in place of what the file holds now: the reloader reads
   * each live module itself, so it can evaluate a version again after the file has changed.
   */
  importModule(file: string, source?: string): Promise<Record<string, unknown>>;
  /** Drops a module from the loader's cache, so the next import evaluates it again. */
  invalidate(file: string): void;
  /** Tells the developer (terminal, overlay). */
  reportFailure(failure: ReloadFailure): void;
  /** Every earlier failure is fixed. */
  reportRecovered(): void;
  info(message: string): void;
}

/** A request to reload: files to import again, and whether to re-read `dir` (added, deleted files). */
export interface ReloadRequest {
  files?: Iterable<string>;
  rescan?: boolean;
  hooks?: boolean;
  /** The saved file that caused it (absolute), for the telemetry event. */
  trigger?: string;
}

interface LoadedModule {
  file: string;
  /** The export table the module was loaded with (fingerprints say what a reload changed). */
  table: LiveModule;
  registration: ModuleRegistration;
  /** The code this instance was evaluated from: what is evaluated again to bring it back. */
  source: string;
  cleanups: Cleanup[];
}

interface LoadedHooks {
  namespace: WsHooks;
  cleanups: Cleanup[];
}

interface Batch {
  files: Set<string>;
  rescan: boolean;
  hooks: boolean;
  triggers: Set<string>;
}

type ExportRef = { path: string; kind: string };

/** One reload as it goes through its steps (see `LiveReloader.apply`). */
interface Attempt {
  batch: Batch;
  /** The first load: every module and the hooks are imported. */
  first: boolean;
  started: number;
  failures: ReloadFailure[];
  /** Files imported (or found broken) in this attempt: their earlier failures are settled. */
  attempted: Set<string>;
  /** The project's readable live modules, by file. */
  current: Map<string, LiveModule>;
  toImport: string[];
  /** Served files that are gone from `dir`. */
  removed: string[];
  imported: Map<string, LoadedModule>;
  /** Served modules whose cleanups ran before their new version was imported. */
  released: Map<string, LoadedModule>;
  /** Released modules whose new version failed, evaluated again from their previous source. */
  restored: Map<string, LoadedModule>;
  /** The hooks after this attempt: the new ones, or the current ones when not reloaded or failed. */
  hooks: LoadedHooks | undefined;
}

const emptyBatch = (): Batch => ({ files: new Set(), rescan: false, hooks: false, triggers: new Set() });

export class LiveReloader {
  private readonly modules = new Map<string, LoadedModule>();
  private hooks: LoadedHooks | undefined;
  private loaded = false;
  private closed = false;
  private pending = emptyBatch();
  private draining: Promise<void> | undefined;
  /** Files whose last attempt failed (the overlay shows them until they load). */
  private readonly failing = new Set<string>();

  constructor(private readonly host: ReloadHost) {}

  /**
   * Loads every live module and the hooks the first time; afterwards resolves at once (a
   * reload in progress never holds up a new connection: the current handlers serve it).
   */
  load(): Promise<void> {
    return this.loaded ? Promise.resolve() : this.schedule({ rescan: true, hooks: true });
  }

  /** Queues a reload; resolves when it (and anything queued with it) has been applied. */
  schedule(request: ReloadRequest): Promise<void> {
    if (this.closed) return Promise.resolve();
    for (const file of request.files ?? []) this.pending.files.add(file);
    if (request.rescan) this.pending.rescan = true;
    if (request.hooks) this.pending.hooks = true;
    if (request.trigger) this.pending.triggers.add(request.trigger);
    this.draining ??= this.drain();
    return this.draining;
  }

  /** Resolves when no reload is running or queued. */
  idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  /** Module paths currently served, for tests and messages. */
  get files(): string[] {
    return [...this.modules.keys()].sort();
  }

  /** Runs every module's cleanups (server shutdown). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle();
    const cleanups = [...this.modules.values()].flatMap((m) => m.cleanups);
    if (this.hooks) cleanups.push(...this.hooks.cleanups);
    this.modules.clear();
    this.hooks = undefined;
    await runCleanups([...cleanups, ...takeUnscopedCleanups()], (error) => this.host.runtime.logError(error, 'onDispose'));
  }

  private async drain(): Promise<void> {
    try {
      while (!this.closed && (this.pending.files.size > 0 || this.pending.rescan || this.pending.hooks || !this.loaded)) {
        const batch = this.pending;
        this.pending = emptyBatch();
        try {
          await this.apply(batch);
        } catch (error) {
          this.host.runtime.logError(error, 'reload');
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  /**
   * One reload, in steps: read `dir` again, import what changed, swap the runtime's registry,
   * keep what the runtime took (or undo what it refused), then report.
   */
  private async apply(batch: Batch): Promise<void> {
    const attempt = this.plan(batch);
    await this.release(attempt);
    await this.importModules(attempt);
    await this.restoreFailed(attempt);
    await this.importHooks(attempt);
    const applied = await this.swap(attempt);
    const before = new Map(this.modules);
    if (applied) await this.keep(attempt);
    this.loaded = true;
    this.report(attempt, before, applied);
  }

  /** Re-reads `dir` when asked (or on the first load), and decides what to import and what is gone. */
  private plan(batch: Batch): Attempt {
    const { project } = this.host;
    const first = !this.loaded;
    const attempt: Attempt = {
      batch,
      first,
      started: performance.now(),
      failures: [],
      attempted: new Set(),
      current: new Map(),
      toImport: [],
      removed: [],
      imported: new Map(),
      released: new Map(),
      restored: new Map(),
      hooks: this.hooks
    };
    if (first || batch.rescan) {
      try {
        project.scan(false);
      } catch (error) {
        attempt.failures.push(failureOf(error, this.host.root, project.dir, 'cannot be loaded'));
      }
    }
    attempt.current = new Map(project.list().map((m) => [m.file, m]));
    const toImport = new Set<string>();
    for (const file of attempt.current.keys()) {
      if (first || batch.files.has(file) || !this.modules.has(file)) toImport.add(file);
    }
    for (const file of batch.files) if (project.broken.has(file)) toImport.add(file);
    attempt.toImport = [...toImport].sort();
    attempt.removed = [...this.modules.keys()].filter((file) => !attempt.current.has(file) && !project.broken.has(file));
    for (const file of attempt.removed) this.failing.delete(file);
    return attempt;
  }

  /**
   * Runs the cleanups of every served module about to be imported again, before any new top
   * level runs: a port, a lock or a client the old instance holds is free for the new one. A
   * file that does not parse is left alone (it is not imported).
   */
  private async release(attempt: Attempt): Promise<void> {
    const { project } = this.host;
    for (const file of attempt.toImport) {
      const served = this.modules.get(file);
      if (!served || project.broken.has(file) || !attempt.current.has(file)) continue;
      attempt.released.set(file, served);
      await this.cleanup(served.cleanups);
    }
  }

  /** Released modules whose new version failed to load: brings back the version that was served. */
  private async restoreFailed(attempt: Attempt): Promise<void> {
    for (const [file, served] of attempt.released) {
      if (attempt.imported.has(file)) continue;
      const restored = await this.restore(served);
      if (restored) attempt.restored.set(file, restored);
    }
  }

  /**
   * Evaluates a released module again from the source it was served from, so its handlers and
   * what its top level holds come back together. When even that fails (a dependency changed
   * under it), its handlers stay registered without what its cleanups released, and it says so.
   */
  private async restore(served: LoadedModule): Promise<LoadedModule | undefined> {
    this.host.invalidate(served.file);
    const loaded = await this.importLive(served.table, served.source);
    if ('module' in loaded) return loaded.module;
    this.host.runtime.logError(new Error(`${formatFailure(loaded.failure)} Its previous version could not be loaded again either: save the file to retry.`), 'reload');
    return undefined;
  }

  /** Imports the planned live modules one by one; one that fails is a failure, not the end of the reload. */
  private async importModules(attempt: Attempt): Promise<void> {
    const { project } = this.host;
    for (const file of attempt.toImport) {
      attempt.attempted.add(file);
      const broken = project.broken.get(file);
      const table = attempt.current.get(file);
      if (broken || !table) {
        attempt.failures.push(broken ? failureOfParse(broken, this.host.root) : failureOf(new Error('is not a live module'), this.host.root, file, ''));
        continue;
      }
      const loaded = await this.importLive(table);
      if ('failure' in loaded) attempt.failures.push(loaded.failure);
      else attempt.imported.set(file, loaded.module);
    }
  }

  /** Imports the hooks file again when asked (or on the first load); a hooks file that throws keeps the previous hooks. */
  private async importHooks(attempt: Attempt): Promise<void> {
    if (!attempt.first && !attempt.batch.hooks) return;
    const hooksFile = this.host.project.hooksFile;
    if (!hooksFile) {
      attempt.hooks = { namespace: {}, cleanups: [] };
      return;
    }
    attempt.attempted.add(hooksFile);
    const cleanups: Cleanup[] = [];
    try {
      const { result } = await withDisposeScope(() => this.host.importModule(hooksFile), cleanups);
      attempt.hooks = { namespace: result as WsHooks, cleanups };
    } catch (error) {
      await this.cleanup(cleanups);
      this.host.invalidate(hooksFile);
      attempt.failures.push(failureOf(error, this.host.root, hooksFile, 'threw while loading'));
    }
  }

  /**
   * Hands the runtime the whole new registry in one step. When it refuses (a handler failed to
   * start), the runtime has put the previous handlers back; this rolls back the reload's own
   * modules and hooks too, and says false.
   */
  private async swap(attempt: Attempt): Promise<boolean> {
    const next = new Map(this.modules);
    for (const file of attempt.removed) next.delete(file);
    for (const [file, module] of attempt.restored) next.set(file, module);
    for (const [file, module] of attempt.imported) next.set(file, module);
    try {
      this.loadRuntime(next, attempt.hooks);
      return true;
    } catch (error) {
      await this.rollBack(attempt, error);
      return false;
    }
  }

  private loadRuntime(modules: Map<string, LoadedModule>, hooks: LoadedHooks | undefined): void {
    const registrations = [...modules.values()].map((m) => m.registration).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const { dev, origins, limits } = this.host.options;
    this.host.runtime.load({ modules: registrations, hooks: hooks?.namespace ?? {}, options: { dev, origins, limits } });
  }

  /**
   * The runtime refused the new registry and put the previous handlers back. Those of released
   * modules lost what their cleanups freed: the new instances clean up, the released versions
   * are evaluated again and served in their place.
   */
  private async rollBack(attempt: Attempt, error: unknown): Promise<void> {
    for (const module of attempt.imported.values()) {
      await this.cleanup(module.cleanups);
      this.host.invalidate(module.file);
    }
    if (attempt.hooks && attempt.hooks !== this.hooks) await this.cleanup(attempt.hooks.cleanups);
    const reloaded = [...attempt.imported.keys()].map((f) => attempt.current.get(f)!);
    attempt.failures.push(startFailure(error, this.host.root, reloaded, [...attempt.batch.triggers][0] ?? this.host.project.dir));
    for (const [file, served] of attempt.released) {
      if (attempt.restored.has(file)) continue;
      const restored = await this.restore(served);
      if (restored) attempt.restored.set(file, restored);
    }
    if (attempt.restored.size === 0) return;
    for (const [file, module] of attempt.restored) this.modules.set(file, module);
    try {
      this.loadRuntime(this.modules, this.hooks);
    } catch (again) {
      this.host.runtime.logError(again, 'reload');
    }
  }

  /**
   * The runtime took the new registry: runs the cleanups of removed modules, and keeps the new
   * and the restored modules and the hooks (replaced modules released theirs before loading).
   */
  private async keep(attempt: Attempt): Promise<void> {
    for (const file of attempt.removed) {
      await this.cleanup(this.modules.get(file)!.cleanups);
      this.modules.delete(file);
    }
    for (const [file, module] of attempt.restored) this.modules.set(file, module);
    for (const [file, module] of attempt.imported) {
      const old = this.modules.get(file);
      if (old && !attempt.released.has(file)) await this.cleanup(old.cleanups);
      this.modules.set(file, module);
    }
    if (attempt.hooks !== this.hooks) {
      if (this.hooks) await this.cleanup(this.hooks.cleanups);
      this.hooks = attempt.hooks;
    }
  }

  /** Tells the developer: each failure (and when every earlier one is fixed), the terminal line, the telemetry event. */
  private report(attempt: Attempt, before: Map<string, LoadedModule>, applied: boolean): void {
    const { failures, imported, removed, first } = attempt;
    const wasFailing = this.failing.size > 0;
    for (const file of attempt.attempted) this.failing.delete(file);
    for (const failure of failures) {
      this.failing.add(failure.absoluteFile);
      this.host.reportFailure(failure);
    }
    if (wasFailing && this.failing.size === 0) this.host.reportRecovered();

    const duration = performance.now() - attempt.started;
    const triggers = [...attempt.batch.triggers].map((f) => relativeTo(this.host.root, f));
    if (!first && applied && imported.size + removed.length > 0) {
      this.host.info(`reloaded ${triggers.join(', ') || [...imported.keys()].map((f) => relativeTo(this.host.root, f)).join(', ')} in ${Math.round(duration)} ms`);
    }
    const telemetry = this.host.runtime.telemetry;
    if (!telemetry.active) return;
    const change = applied ? describeChange(before, imported, removed) : { added: [], removed: [], changed: [] };
    const failure = failures[0];
    telemetry.emit({
      type: 'reload',
      file: triggers.join(', ') || (first ? relativeTo(this.host.root, this.host.project.dir) : ''),
      ...change,
      duration,
      // A module kept its previous handlers, or the runtime refused the whole reload.
      rolledBack: !applied || failures.length > 0,
      error: failure && { message: formatFailure(failure), file: failure.file, line: failure.line, column: failure.column }
    });
  }

  /**
   * Imports one live module in its own cleanup scope and checks that it registers. `source` is
   * what to evaluate: the source its export table was read from, unless a released version is
   * being brought back.
   */
  private async importLive(table: LiveModule, source?: string): Promise<{ module: LoadedModule } | { failure: ReloadFailure }> {
    const cleanups: Cleanup[] = [];
    const undo = async () => {
      await this.cleanup(cleanups);
      this.host.invalidate(table.file);
    };
    let namespace: Record<string, unknown>;
    let code: string;
    try {
      // The source the export table was read from: what runs is what the table describes.
      code = source ?? this.host.project.sourceOf(table.file) ?? fs.readFileSync(table.file, 'utf8');
      ({ result: namespace } = await withDisposeScope(() => this.host.importModule(table.file, code), cleanups));
    } catch (error) {
      await undo();
      return { failure: failureOf(error, this.host.root, table.file, 'threw while loading') };
    }
    const registration: ModuleRegistration = {
      path: table.path,
      file: table.relative,
      namespace,
      exports: table.exports.map((e) => [e.name, e.kind] as const)
    };
    try {
      // Checked alone first, so one module's mistake does not undo the others' reload.
      new Registry().register(registration);
    } catch (error) {
      await undo();
      return { failure: { ...failureOf(error, this.host.root, table.file, ''), ...exportPosition(error, table) } };
    }
    return { module: { file: table.file, table, registration, source: code, cleanups } };
  }

  private cleanup(cleanups: readonly Cleanup[]): Promise<void> {
    return runCleanups(cleanups, (error) => this.host.runtime.logError(error, 'onDispose'));
  }
}

function stripFilePrefix(message: string, file: string): string {
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

/** The position of the export an error message names (`...: export hello should be...`), with the file prefix dropped. */
function exportPosition(error: unknown, table: LiveModule): { message: string; line?: number; column?: number } {
  const text = error instanceof Error ? error.message : String(error);
  const message = stripFilePrefix(text.split('\n')[0]!, table.relative);
  const named = table.exports.find((e) => new RegExp(`\\b${e.name.replace(/\$/g, "\\$")}\\b`).test(message));
  return named ? { message, ...named.position } : { message };
}

/**
 * A failure to start the new handlers (a cron job with a bad schedule...): the runtime does not
 * say which module, so it is the reloaded module the message names, else the first reloaded one.
 */
function startFailure(error: unknown, root: string, modules: LiveModule[], fallback: string): ReloadFailure {
  const text = error instanceof Error ? error.message : String(error);
  const module = modules.find((m) => text.includes(m.relative)) ?? modules[0];
  if (!module) return failureOf(error, root, fallback, 'failed to start');
  const { message, line, column } = exportPosition(error, module);
  return { ...failureOf(error, root, module.file, ''), message: `failed to start: ${message}`, line, column };
}

/**
 * Which `module/export` paths a reload added, removed, or changed. An export changed when its
 * own source or kind did; every export of a module changed when its shared code (imports,
 * helpers) did, or when nothing in the file did (it reloaded because a dependency changed).
 */
function describeChange(before: Map<string, LoadedModule>, imported: Map<string, LoadedModule>, removedFiles: string[]) {
  const added: ExportRef[] = [];
  const removed: ExportRef[] = [];
  const changed: ExportRef[] = [];
  const ref = (table: LiveModule, e: LiveExport): ExportRef => ({ path: `${table.path}/${e.name}`, kind: e.kind });
  for (const file of removedFiles) {
    const { table } = before.get(file)!;
    for (const e of table.exports) removed.push(ref(table, e));
  }
  for (const [file, { table }] of imported) {
    const previous = before.get(file)?.table;
    const old = new Map((previous?.exports ?? []).map((e) => [e.name, e]));
    const same = (e: LiveExport) => old.get(e.name)?.fingerprint === e.fingerprint && old.get(e.name)?.kind === e.kind;
    const sharedChanged = previous !== undefined && previous.fingerprint !== table.fingerprint;
    const fileUnchanged = previous !== undefined && !sharedChanged && old.size === table.exports.length && table.exports.every(same);
    for (const e of table.exports) {
      if (!old.has(e.name)) added.push(ref(table, e));
      else if (sharedChanged || fileUnchanged || !same(e)) changed.push(ref(table, e));
    }
    const names = new Set(table.exports.map((e) => e.name));
    for (const e of old.values()) if (!names.has(e.name)) removed.push(ref(previous!, e));
  }
  return { added, removed, changed };
}

function failureOfParse(error: LiveParseError, root: string): ReloadFailure {
  const absoluteFile = path.resolve(root, error.file);
  return { file: error.file, absoluteFile, line: error.position?.line, column: error.position?.column, message: `does not parse: ${error.reason}` };
}

/**
 * Locates an error thrown while loading a module: Vite's transform errors carry `loc`; a throw
 * at run time has a stack (already mapped to the source by the loader): its first frame in a
 * project file outside node_modules, preferring the module being loaded.
 */
export function failureOf(error: unknown, root: string, file: string, what: string): ReloadFailure {
  if (error instanceof LiveParseError) return failureOfParse(error, root);
  const e = error instanceof Error ? error : new Error(String(error));
  const text = e.message.split('\n')[0]!;
  const message = what ? `${what}: ${text}` : text;
  const loc = (e as { loc?: { file?: string; line: number; column: number } }).loc;
  if (loc?.line !== undefined) {
    const at = loc.file ?? file;
    return { file: relativeTo(root, at), absoluteFile: at, line: loc.line, column: loc.column + 1, message, stack: e.stack };
  }
  const frame = stackFrame(e.stack ?? '', root, file);
  const at = frame?.file ?? file;
  return { file: relativeTo(root, at), absoluteFile: at, line: frame?.line, column: frame?.column, message, stack: e.stack };
}

function stackFrame(stack: string, root: string, prefer: string): { file: string; line: number; column: number } | undefined {
  const frames: { file: string; line: number; column: number }[] = [];
  for (const match of stack.matchAll(/(?:\(|at )((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/gm)) {
    const file = match[1]!.replace(/^file:\/\//, '');
    if (!file.startsWith(root) || file.includes('/node_modules/')) continue;
    frames.push({ file, line: Number(match[2]), column: Number(match[3]) });
  }
  return frames.find((f) => f.file === prefer) ?? frames[0];
}
