/**
 * `svelte-realtime:registry`: the server module that imports every live module and registers
 * its exports (`virtual:svelte-realtime/registry`), and where a production server loads it.
 *
 * SvelteKit has no public seam that runs once when a production server starts and that a plugin
 * can fill in without the app's own code: `init` in hooks.server is the app's to write (and an
 * app may have no hooks.server at all), and `instrumentation.server` needs an experimental flag
 * in svelte.config and a file in the app. So the registry is imported by Kit's generated server
 * entry, `.svelte-kit/generated/server/internal.js`, which both production servers (`node build`
 * and `vite preview`) load at start. The file is Kit's own, not public API:
 * test/plugin/kit-server-entry.test.ts fails, naming the file, if a Kit version moves it.
 */
import type { Plugin } from 'vite';
import type { RealtimeApi } from '../api.js';
import { REGISTRY_ID, RESOLVED_REGISTRY_ID } from '../ids.js';

/** SvelteKit's generated server entry, by module id (either path separator). */
export const KIT_SERVER_ENTRY = /[\\/]generated[\\/]server[\\/]internal\.js$/;

export function registryPlugin(api: RealtimeApi): Plugin {
  return {
    name: 'svelte-realtime:registry',
    resolveId: {
      filter: { id: /^virtual:svelte-realtime\/registry$/ },
      handler() {
        return RESOLVED_REGISTRY_ID;
      }
    },
    load: {
      filter: { id: /^\0svelte-realtime:registry$/ },
      handler() {
        if (this.environment.config.consumer === 'client') {
          this.error('The svelte-realtime registry is server code and cannot be imported in the browser');
        }
        return api.registryCode();
      }
    },
    transform: {
      filter: { id: KIT_SERVER_ENTRY },
      handler(code) {
        // In dev the plugin loads the live modules itself (and reloads them on save).
        if (this.environment.config.consumer !== 'server' || api.config!.command !== 'build') return null;
        return { code: `import ${JSON.stringify(REGISTRY_ID)};\n${code}`, map: null };
      }
    }
  };
}
