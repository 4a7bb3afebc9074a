/**
 * Dev-time reload of live modules: when a file under `dir` (or anything a live module
 * imports) is saved, added or removed, the export tables, the `$live` types and stubs, and
 * the server's registrations follow, without a restart and without dropping sockets.
 *
 * A file that does not parse or throws while loading leaves the previous handlers in place:
 * the registry swaps its content in one step only after every module registered.
 */
import type { EnvironmentModuleNode, ViteDevServer } from 'vite';
import { LiveParseError } from './export-table.js';
import type { RealtimeApi } from './index.js';
import type { ModuleChange } from './project.js';

const RESOLVED_REGISTRY_ID = '\0svelte-realtime:registry';
const STUB_PREFIX = '\0live:';

/** Whether `module` is the registry or something it imports, directly or not. */
function reachesRegistry(module: EnvironmentModuleNode, seen = new Set<EnvironmentModuleNode>()): boolean {
  if (module.id === RESOLVED_REGISTRY_ID) return true;
  if (seen.has(module)) return false;
  seen.add(module);
  for (const importer of module.importers) if (reachesRegistry(importer, seen)) return true;
  return false;
}

export function reloadOnChange(server: ViteDevServer, api: RealtimeApi, reloadRegistry: () => Promise<void>): void {
  const project = () => api.project!;
  const logger = server.config.logger;
  let queue: Promise<void> = Promise.resolve();

  const reportError = (error: Error & { file?: string }) => {
    logger.error(`[svelte-realtime] ${error.message}`, { timestamp: true, error });
    server.environments.client.hot.send({
      type: 'error',
      err: { message: error.message, stack: error.stack ?? '', id: error.file, plugin: 'svelte-realtime' }
    });
  };

  /** Refreshes the client stub of a module whose exports changed. */
  const refreshStub = (change: ModuleChange) => {
    const graph = server.environments.client.moduleGraph;
    const stub = graph.getModuleById(STUB_PREFIX + change.path);
    if (!stub) return;
    graph.invalidateModule(stub);
    server.environments.client.hot.send({ type: 'full-reload', path: '*' });
  };

  const reload = (file: string, event: 'add' | 'change' | 'unlink') => {
    queue = queue.then(async () => {
      let change: ModuleChange | undefined;
      if (project().contains(file)) {
        try {
          change = project().update(file);
        } catch (error) {
          if (error instanceof LiveParseError || (error as Error).name === 'LiveScanError') return reportError(error as Error);
          throw error;
        }
        project().writeTypes();
        const exportsChanged = change && (event !== 'change' || change.added.length + change.removed.length + change.changed.length > 0);
        if (change && exportsChanged) refreshStub(change);
      }
      const ssr = server.environments.ssr.moduleGraph;
      const registry = ssr.getModuleById(RESOLVED_REGISTRY_ID);
      if (registry) ssr.invalidateModule(registry);
      for (const module of ssr.getModulesByFile(file) ?? []) ssr.invalidateModule(module);
      try {
        await reloadRegistry();
      } catch (error) {
        reportError(error as Error);
      }
    });
  };

  const isRelevant = (file: string): boolean => {
    if (!api.project) return false;
    if (project().contains(file)) return !file.endsWith('.d.ts');
    if (file === project().hooksFile) return true;
    // A module that live modules import (src/lib/server/db.ts...).
    const modules = server.environments.ssr.moduleGraph.getModulesByFile(file);
    return [...(modules ?? [])].some((m) => reachesRegistry(m));
  };

  server.watcher.on('change', (file) => {
    if (isRelevant(file)) reload(file, 'change');
  });
  server.watcher.on('add', (file) => {
    if (api.project && (project().contains(file) || file.endsWith('/hooks.ws.ts') || file.endsWith('/hooks.ws.js'))) reload(file, 'add');
  });
  server.watcher.on('unlink', (file) => {
    if (api.project && (project().contains(file) || file === project().hooksFile)) reload(file, 'unlink');
  });
}
