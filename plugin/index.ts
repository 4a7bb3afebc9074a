/**
 * svelte-realtime/vite: `realtime()`, the Vite plugin, and `adapter()` for production.
 *
 * `realtime()` returns small plugins named `svelte-realtime:<task>`, one file each in plugins/,
 * that share one RealtimeApi (api.ts):
 *   config    options, shared state, dependency hints
 *   scan      reads src/live at build start, writes the $live types
 *   stubs     `$live/x` → the client module for x
 *   registry  the server module that registers every live module (SSR environment)
 *   boundary  refuses server code in the browser bundle
 *   server    the WebSocket in `vite dev` and `vite preview`, loads the live modules in dev
 *   hmr       reloads live modules on save (server), updates `$live` stubs (browser)
 *   devtools  the DevTools overlay and its channel, in `vite dev` only
 */
import type { Plugin } from 'vite';
import { createApi } from './api.js';
import { resolveOptions, type RealtimeOptions } from './options.js';
import { boundaryPlugin } from './plugins/boundary.js';
import { configPlugin } from './plugins/config.js';
import { devtoolsPlugin } from './plugins/devtools.js';
import { hmrPlugin } from './plugins/hmr.js';
import { registryPlugin } from './plugins/registry.js';
import { scanPlugin } from './plugins/scan.js';
import { devSocketPlugin } from './plugins/server.js';
import { stubsPlugin } from './plugins/stubs.js';

export { adapter } from './adapter.js';
export type { AdapterOptions } from './adapter.js';
export type { RealtimeOptions, DevtoolsOptions } from './options.js';

export default function realtime(options: RealtimeOptions = {}): Plugin[] {
  const api = createApi(resolveOptions(options));
  const plugins = [configPlugin(api), scanPlugin(api), stubsPlugin(api), registryPlugin(api), boundaryPlugin(api), devSocketPlugin(api), hmrPlugin(api)];
  // The DevTools overlay exists only in `vite dev` with `devtools` on (the default).
  if (api.options.devtools) plugins.push(devtoolsPlugin(api.options.devtools));
  return plugins;
}
