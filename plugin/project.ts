/**
 * The plugin's shared state: the project's live modules and their export tables, kept up to
 * date file by file. Every `svelte-realtime:*` plugin reads it; only the scan and the dev
 * watcher change it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LiveParseError, type ParseWarning } from './export-table.js';
import { generateTypes, TYPES_FILE, type LiveModule } from './generate.js';
import type { ResolvedOptions } from './options.js';
import { parseLiveModule } from './parse.js';
import { LiveScanError, modulePathOf, scanLiveDir } from './scan.js';
import { posix, relativeTo } from './paths.js';

export interface Logger {
  warn(message: string): void;
  error(message: string): void;
}

interface CachedModule extends LiveModule {
  code: string;
}

/** How the export table of one file changed. */
export interface ModuleChange {
  file: string;
  path: string;
  added: string[];
  removed: string[];
  /** Exports present before and after whose kind or topic changed. */
  changed: string[];
  /** Exports present before and after with the same shape. */
  kept: string[];
}

const HOOKS_FILES = ['src/hooks.ws.ts', 'src/hooks.ws.js'];

export class LiveProject {
  readonly dir: string;
  private readonly modules = new Map<string, CachedModule>();
  /** Files that failed to parse, with their error (dev keeps serving the rest). */
  readonly broken = new Map<string, LiveParseError>();

  constructor(
    readonly root: string,
    readonly options: ResolvedOptions,
    readonly logger: Logger
  ) {
    this.dir = posix(path.resolve(root, options.dir));
  }

  get hooksFile(): string | undefined {
    for (const candidate of HOOKS_FILES) {
      const file = path.join(this.root, candidate);
      if (fs.existsSync(file)) return posix(file);
    }
    return undefined;
  }

  relative(file: string): string {
    return relativeTo(this.root, file);
  }

  /** True for a file under `dir` (a live module or not). */
  contains(file: string): boolean {
    const relative = path.relative(this.dir, file);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  }

  /**
   * Reads every live module. Throws LiveScanError for two files on one path; a file that
   * does not parse throws in a build and is reported and left out in dev (`strict` false).
   */
  scan(strict: boolean): void {
    const files = scanLiveDir(this.dir, this.root);
    const seen = new Set(files.map((f) => f.file));
    for (const file of [...this.modules.keys()]) if (!seen.has(file)) this.modules.delete(file);
    for (const file of [...this.broken.keys()]) if (!seen.has(file)) this.broken.delete(file);
    for (const { file } of files) {
      try {
        this.read(file);
      } catch (error) {
        if (strict || !(error instanceof LiveParseError)) throw error;
        this.logger.error(error.message);
      }
    }
  }

  /**
   * Re-reads one file after it was added, changed or removed, and says how its exports
   * changed. Throws LiveParseError when it does not parse (the old table is kept). `code` is the
   * file's content when the caller has it (Vite's `read()`, which waits out a write in progress).
   */
  update(file: string, code?: string): ModuleChange | undefined {
    const modulePath = modulePathOf(this.dir, file);
    if (modulePath === undefined) return undefined;
    const before = this.modules.get(file);
    if (!fs.existsSync(file)) {
      this.modules.delete(file);
      this.broken.delete(file);
      return before && diff(file, modulePath, before.exports, []);
    }
    const clash = this.list().find((m) => m.path === modulePath && m.file !== file);
    if (clash) {
      throw new LiveScanError(`${clash.relative} and ${this.relative(file)} both map to $live/${modulePath}; rename or remove one of them`);
    }
    const after = this.read(file, code);
    return diff(file, modulePath, before?.exports ?? [], after.exports);
  }

  /** Every readable live module, sorted by path. */
  list(): LiveModule[] {
    return [...this.modules.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  byPath(modulePath: string): LiveModule | undefined {
    for (const m of this.modules.values()) if (m.path === modulePath) return m;
    return undefined;
  }

  byFile(file: string): LiveModule | undefined {
    return this.modules.get(file);
  }

  /** The source a module's export table was read from (what the dev reloader evaluates). */
  sourceOf(file: string): string | undefined {
    return this.modules.get(file)?.code;
  }

  get typesFile(): string {
    return `${this.dir}/${TYPES_FILE}`;
  }

  /** Writes `<dir>/$types.d.ts` when its content changes; returns whether it wrote. */
  writeTypes(): boolean {
    if (!this.options.typedImports || !fs.existsSync(this.dir)) return false;
    const content = generateTypes(this.list(), this.dir);
    const current = fs.existsSync(this.typesFile) ? fs.readFileSync(this.typesFile, 'utf8') : undefined;
    if (current === content) return false;
    fs.writeFileSync(this.typesFile, content);
    return true;
  }

  private read(file: string, code = fs.readFileSync(file, 'utf8')): CachedModule {
    const cached = this.modules.get(file);
    if (cached && cached.code === code) return cached;
    const relative = this.relative(file);
    let result;
    try {
      result = parseLiveModule(code, relative);
    } catch (error) {
      if (error instanceof LiveParseError) this.broken.set(file, error);
      throw error;
    }
    this.broken.delete(file);
    for (const warning of result.warnings) this.logger.warn(formatWarning(relative, warning));
    const module: CachedModule = { path: modulePathOf(this.dir, file)!, file, relative, exports: result.exports, fingerprint: result.fingerprint, code };
    this.modules.set(file, module);
    return module;
  }
}

export function formatWarning(file: string, warning: ParseWarning): string {
  return `${file}:${warning.position.line}:${warning.position.column} ${warning.message}`;
}

function shape(e: LiveModule['exports'][number]): string {
  return `${e.kind}:${e.topic?.type ?? ''}`;
}

function diff(file: string, modulePath: string, before: LiveModule['exports'], after: LiveModule['exports']): ModuleChange {
  const old = new Map(before.map((e) => [e.name, shape(e)]));
  const next = new Map(after.map((e) => [e.name, shape(e)]));
  const change: ModuleChange = { file, path: modulePath, added: [], removed: [], changed: [], kept: [] };
  for (const [name, s] of next) {
    if (!old.has(name)) change.added.push(name);
    else (old.get(name) === s ? change.kept : change.changed).push(name);
  }
  for (const name of old.keys()) if (!next.has(name)) change.removed.push(name);
  return change;
}
