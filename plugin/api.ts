/**
 * The state the `svelte-realtime:*` plugins of one `realtime()` call share. The config plugin
 * fills it in when Vite's config is resolved; every other plugin reads it from then on.
 */
import type { ResolvedConfig } from 'vite';
import { generateRegistry } from './generate.js';
import type { ResolvedOptions } from './options.js';
import type { LiveProject } from './project.js';
import type { LiveReloader } from './reload.js';

export interface RealtimeApi {
  project: LiveProject | undefined;
  config: ResolvedConfig | undefined;
  options: ResolvedOptions;
  /** Loads and reloads the live modules on the server in `vite dev`. */
  reloader?: LiveReloader;
  /** Generated registry code for the current modules. */
  registryCode(): string;
}

export function createApi(options: ResolvedOptions): RealtimeApi {
  const api: RealtimeApi = {
    project: undefined,
    config: undefined,
    options,
    registryCode() {
      const project = api.project!;
      return generateRegistry({
        modules: project.list(),
        hooksFile: project.hooksFile,
        dev: api.config!.command === 'serve',
        origins: options.origins,
        limits: options.limits
      });
    }
  };
  return api;
}
