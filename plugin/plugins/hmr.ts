/**
 * `svelte-realtime:hmr`: what a save under `dir` (or in a module live modules import) does in
 * `vite dev`, through Vite's `hotUpdate` hook, once per environment:
 *
 * - client: the file's export table is re-read. Same exports: nothing in the browser changes
 *   (no page update for a new handler body). Other exports: the `$live/x` stub is handed to
 *   Vite's HMR, which updates the components importing it or reloads the page. A page that
 *   failed on a `$live/x` that did not exist yet reloads when the file appears.
 * - ssr: the changed live modules, the live modules importing a changed dependency, and the
 *   hooks file are reloaded on the server (see LiveReloader); live files stop there.
 *
 * On the server, a live module the reloader imports is loaded from the source it pinned
 * (source-pins.ts), not read from disk again.
 *
 * The choices are plain functions in hot-update.ts, so tests call them directly.
 */
import type { HotUpdateOptions, Plugin } from 'vite';
import type { RealtimeApi } from '../api.js';
import { exportsChanged, isHooksFile, liveDependents, RECOVERED_EVENT, trailingEdge } from '../hot-update.js';
import { modulePathOfSpecifier, STUB_PREFIX } from '../ids.js';
import type { LiveProject, ModuleChange } from '../project.js';
import { modulePathOf } from '../scan.js';
import { sourcePins } from '../source-pins.js';

export function hmrPlugin(api: RealtimeApi): Plugin {
  /** The project is re-read once per file event, by whichever environment sees it first. */
  let lastSync: { key: string; result: Promise<{ change: ModuleChange | undefined; ok: boolean }> } | undefined;
  /** `$live/x` paths a page asked for before the file existed. */
  const missing = new Set<string>();
  let recheck: ((file: string) => void) | undefined;
  /** What the last save of each live module read, parsed or not (see trailingEdge). */
  const lastRead = new Map<string, string>();

  const sync = (project: LiveProject, options: HotUpdateOptions) => {
    const key = `${options.type}:${options.file}:${options.timestamp}`;
    if (lastSync?.key === key) return lastSync.result;
    const result = (async () => {
      let change: ModuleChange | undefined;
      let ok = true;
      try {
        // Vite's read() waits out a write in progress: the watcher can fire between a save's
        // truncate and its write, and a plain read would see an empty or partial file.
        const code = options.type === 'delete' ? undefined : await options.read();
        if (code === undefined) lastRead.delete(options.file);
        else lastRead.set(options.file, code);
        change = project.update(options.file, code);
      } catch {
        ok = false; // the reloader reports it, with its position
      }
      if (ok) project.writeTypes();
      return { change, ok };
    })();
    lastSync = { key, result };
    return result;
  };

  return {
    name: 'svelte-realtime:hmr',
    apply: 'serve',
    resolveId: {
      order: 'pre',
      filter: { id: /^\$live\// },
      handler(id) {
        if (this.environment.config.consumer !== 'client' || !api.project) return null;
        const modulePath = modulePathOfSpecifier(id);
        if (!api.project.byPath(modulePath)) missing.add(modulePath);
        return null;
      }
    },
    load: {
      order: 'pre',
      handler(id) {
        if (this.environment.config.consumer !== 'server') return null;
        return sourcePins(api).get(id) ?? null;
      }
    },
    transform: {
      filter: { id: /^\0live:/ },
      handler(code) {
        if (this.environment.config.consumer !== 'client') return null;
        // Closes Vite's error overlay once a broken live module loads again.
        const listener =
          `if (import.meta.hot) import.meta.hot.on(${JSON.stringify(RECOVERED_EVENT)}, () => ` +
          `document.querySelectorAll('vite-error-overlay').forEach((overlay) => overlay.close()));\n`;
        return { code: code + listener, map: null };
      }
    },
    async hotUpdate(options) {
      const project = api.project;
      if (!project) return;
      const { file, type } = options;
      if (file === project.typesFile) return [];
      const modulePath = project.contains(file) ? modulePathOf(project.dir, file) : undefined;
      const environment = this.environment;

      if (environment.config.consumer === 'client') {
        if (modulePath === undefined) return;
        const { change, ok } = await sync(project, options);
        if (!ok) return [];
        const stub = environment.moduleGraph.getModuleById(STUB_PREFIX + modulePath);
        if (type === 'create' && missing.delete(modulePath)) {
          environment.hot.send({ type: 'full-reload', path: '*' });
          return [];
        }
        if (type === 'update' && !exportsChanged(change)) return [];
        return stub ? [stub] : [];
      }

      if (environment.name !== 'ssr' || !api.reloader) return;
      const reloader = api.reloader;
      recheck ??= trailingEdge(options.server.watcher, (changed) => lastRead.get(changed));
      if (type === 'update') recheck(file);
      if (modulePath !== undefined) {
        await sync(project, options);
        await reloader.schedule({ files: [file], rescan: type !== 'update', trigger: file });
        return [];
      }
      if (isHooksFile(project, file)) {
        await reloader.schedule({ hooks: true, trigger: file });
        return;
      }
      if (type === 'update' || type === 'delete') {
        // A module live modules import (src/lib/server/db.ts): reload the ones that use it.
        const hooksFile = project.hooksFile;
        const dependents = liveDependents(options.modules, (f) => (project.contains(f) && !!project.byFile(f)) || f === hooksFile);
        const files = dependents.filter((f) => f !== hooksFile);
        if (dependents.length > 0) await reloader.schedule({ files, hooks: files.length < dependents.length, trigger: file });
      }
      return;
    }
  };
}
