/**
 * What a save under `dir` (or in a module live modules import) means, as plain functions the
 * `svelte-realtime:hmr` plugin (plugins/hmr.ts) calls and tests call directly: which live modules
 * depend on a changed file, whether the browser needs a new stub, and a save Vite's watcher
 * dropped.
 */
import fs from 'node:fs';
import type { EnvironmentModuleNode, FSWatcher } from 'vite';
import type { LiveProject, ModuleChange } from './project.js';
import { posix } from './paths.js';

const HOOKS_NAMES = ['hooks.ws.ts', 'hooks.ws.js'];
/** Sent to the page when every reported reload error is fixed: the stubs close Vite's overlay. */
export const RECOVERED_EVENT = 'svelte-realtime:recovered';

/**
 * The live module files (and the hooks file) that import any of `modules`, directly or through
 * other modules, in the server's module graph.
 */
export function liveDependents(modules: Iterable<EnvironmentModuleNode>, isServed: (file: string) => boolean): string[] {
  const found = new Set<string>();
  const seen = new Set<EnvironmentModuleNode>();
  const stack = [...modules];
  while (stack.length > 0) {
    const module = stack.pop()!;
    if (seen.has(module)) continue;
    seen.add(module);
    if (module.file && isServed(module.file)) found.add(module.file);
    for (const importer of module.importers) stack.push(importer);
  }
  return [...found].sort();
}

/** Whether a change to a live module's export table needs the browser to see a new stub. */
export function exportsChanged(change: ModuleChange | undefined): boolean {
  return change !== undefined && change.added.length + change.removed.length + change.changed.length > 0;
}

export function isHooksFile(project: LiveProject, file: string): boolean {
  return HOOKS_NAMES.some((name) => file === `${posix(project.root)}/src/${name}`);
}

/** Vite's file watcher drops a change that follows another to the same file within 50 ms. */
const WATCHER_THROTTLE_MS = 50;

function mtimeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function contentOf(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Replays a save the watcher dropped: shortly after a change, if the file was written again
 * since, Vite's `change` event is emitted for it, so the last save always takes effect.
 *
 * For a live module, "written again" means its content differs from what its last save read
 * (`lastRead`, parsed or not): the reloader evaluates the source it read, and two saves within
 * one tick of the file system's clock leave the same mtime, so an mtime alone can miss the last.
 * A file that does not parse is not replayed while it stays as it was read.
 */
export function trailingEdge(watcher: FSWatcher, lastRead: (file: string) => string | undefined = () => undefined) {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  return (file: string) => {
    const seen = mtimeOf(file);
    clearTimeout(timers.get(file));
    const timer = setTimeout(() => {
      timers.delete(file);
      const source = lastRead(file);
      const stale = source !== undefined ? contentOf(file) !== source : mtimeOf(file) !== seen && seen !== undefined;
      if (stale) watcher.emit('change', file);
    }, WATCHER_THROTTLE_MS * 2);
    timer.unref?.();
    timers.set(file, timer);
  };
}
