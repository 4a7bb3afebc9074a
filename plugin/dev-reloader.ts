/**
 * The live modules' loader in `vite dev`: a LiveReloader working through the dev server's SSR
 * loader, module graph, logger and error overlay.
 *
 * Live modules load one by one through `ssrLoadModule`, the loader SvelteKit uses, so live
 * modules and pages share one instance of every server module (one database client, one cache),
 * and a reload re-imports only what changed. Each import evaluates the source the reloader
 * hands it (see source-pins.ts).
 */
import type { ViteDevServer } from 'vite';
import { getRuntime } from '../runtime/server/runtime.js';
import type { RealtimeApi } from './api.js';
import { RECOVERED_EVENT } from './hot-update.js';
import { formatFailure, LiveReloader } from './reload.js';
import { withPinnedSource } from './source-pins.js';

/** A LiveReloader working through a Vite dev server: its SSR loader, module graph, logger and overlay. */
export function createDevReloader(server: ViteDevServer, api: RealtimeApi): LiveReloader {
  const logger = server.config.logger;
  const ssr = server.environments.ssr;
  return new LiveReloader({
    root: server.config.root,
    project: api.project!,
    runtime: getRuntime(),
    options: { dev: true, origins: api.options.origins, limits: api.options.limits },
    // The file is pinned to the source the reloader read (plugins/hmr.ts serves it), so what
    // runs is that source even when the file changed since, or when a released version is
    // brought back.
    importModule: (file, source) => withPinnedSource(api, file, source, () => server.ssrLoadModule(file, { fixStacktrace: true })),
    invalidate(file) {
      for (const module of ssr.moduleGraph.getModulesByFile(file) ?? []) ssr.moduleGraph.invalidateModule(module);
    },
    reportFailure(failure) {
      const line = formatFailure(failure);
      logger.error(`[svelte-realtime] ${line}`, { timestamp: true });
      server.environments.client.hot.send({
        type: 'error',
        err: {
          message: line,
          stack: failure.stack ?? '',
          id: failure.absoluteFile,
          plugin: 'svelte-realtime',
          loc: failure.line !== undefined ? { file: failure.absoluteFile, line: failure.line, column: failure.column ?? 1 } : undefined
        }
      });
    },
    reportRecovered() {
      server.environments.client.hot.send({ type: 'custom', event: RECOVERED_EVENT });
    },
    info(message) {
      logger.info(`[svelte-realtime] ${message}`, { timestamp: true });
    }
  });
}
