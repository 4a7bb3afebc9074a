/** `svelte-realtime:config`: dependency hints for Vite, and the shared state once the config is resolved. */
import type { Plugin } from 'vite';
import type { RealtimeApi } from '../api.js';
import { LiveProject } from '../project.js';

export function configPlugin(api: RealtimeApi): Plugin {
  return {
    name: 'svelte-realtime:config',
    /** The resolved options, for `svelte-realtime sync` (sync.ts), which reads them from the app's config. */
    api: { options: api.options },
    config() {
      // The stubs import the client runtime from virtual modules, where the dependency scanner
      // cannot see it: name it up front so the first page load does not re-optimise and reload.
      return { optimizeDeps: { include: ['svelte-realtime/client', 'svelte-realtime/internal/client'] } };
    },
    configResolved(resolvedConfig) {
      api.config = resolvedConfig;
      api.project = new LiveProject(resolvedConfig.root, api.options, {
        warn: (message) => resolvedConfig.logger.warn(`[svelte-realtime] ${message}`, { timestamp: true }),
        error: (message) => resolvedConfig.logger.error(`[svelte-realtime] ${message}`, { timestamp: true })
      });
    }
  };
}
