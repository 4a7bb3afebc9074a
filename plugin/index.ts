/**
 * svelte-realtime/vite: `realtime()`, the Vite plugin, and `adapter()` for production.
 *
 * `realtime()` returns small plugins named `svelte-realtime:<task>` that share one LiveProject:
 *   config    options, shared state, dependency hints
 *   scan      reads src/live at build start, writes the $live types
 *   stubs     `$live/x` → the client module for x
 *   registry  the server module that registers every live module (SSR environment)
 *   boundary  refuses server code in the browser bundle
 *   devtools  the DevTools overlay and its channel, in `vite dev` only
 *   server    the WebSocket in `vite dev` and `vite preview`, loads the live modules in dev
 *   hmr       reloads live modules on save (server), updates `$live` stubs (browser)
 */
import path from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { generateClientStub, generateRegistry } from './generate.js';
import { resolveOptions, type RealtimeOptions } from './options.js';
import { LiveProject } from './project.js';
import { devSocketPlugin } from './dev-server.js';
import { devtoolsPlugin } from './devtools.js';
import { hmrPlugin } from './hmr.js';
import { modulePathOfSpecifier, REGISTRY_ID, RESOLVED_REGISTRY_ID, STUB_PREFIX } from './ids.js';
import type { LiveReloader } from './reload.js';

export { adapter } from './adapter.js';
export type { AdapterOptions } from './adapter.js';
export type { RealtimeOptions, DevtoolsOptions } from './options.js';


/** Shared by the plugins of one `realtime()` call. */
export interface RealtimeApi {
  project: LiveProject | undefined;
  config: ResolvedConfig | undefined;
  options: ReturnType<typeof resolveOptions>;
  /** Loads and reloads the live modules on the server in `vite dev`. */
  reloader?: LiveReloader;
  /** Generated registry code for the current modules. */
  registryCode(): string;
}

export default function realtime(options: RealtimeOptions = {}): Plugin[] {
  const resolved = resolveOptions(options);
  const api: RealtimeApi = {
    project: undefined,
    config: undefined,
    options: resolved,
    registryCode() {
      const project = api.project!;
      return generateRegistry({
        modules: project.list(),
        hooksFile: project.hooksFile,
        dev: api.config!.command === 'serve',
        origins: resolved.origins
      });
    }
  };
  const project = (): LiveProject => api.project!;

  const config: Plugin = {
    name: 'svelte-realtime:config',
    config() {
      // The stubs import the client runtime from virtual modules, where the dependency scanner
      // cannot see it: name it up front so the first page load does not re-optimise and reload.
      return { optimizeDeps: { include: ['svelte-realtime/client'] } };
    },
    configResolved(resolvedConfig) {
      api.config = resolvedConfig;
      api.project = new LiveProject(resolvedConfig.root, resolved, {
        warn: (message) => resolvedConfig.logger.warn(`[svelte-realtime] ${message}`, { timestamp: true }),
        error: (message) => resolvedConfig.logger.error(`[svelte-realtime] ${message}`, { timestamp: true })
      });
    }
  };

  const scan: Plugin = {
    name: 'svelte-realtime:scan',
    buildStart() {
      const isBuild = api.config!.command === 'build';
      project().scan(isBuild);
      project().writeTypes();
    }
  };

  const stubs: Plugin = {
    name: 'svelte-realtime:stubs',
    resolveId: {
      filter: { id: /^\$live\// },
      handler(id) {
        const modulePath = modulePathOfSpecifier(id);
        if (!project().byPath(modulePath)) {
          const broken = [...project().broken.values()].find((e) => e.file.endsWith(`${modulePath}.ts`) || e.file.endsWith(`${modulePath}.js`));
          if (broken) this.error(broken.message);
          const known = project().list().map((m) => `$live/${m.path}`);
          this.error(
            `${id} has no live module: expected ${path.posix.join(resolved.dir, modulePath)}.ts. ` +
              (known.length ? `Live modules: ${known.join(', ')}` : `There are no files in ${resolved.dir} yet.`)
          );
        }
        return STUB_PREFIX + modulePath;
      }
    },
    load: {
      filter: { id: /^\0live:/ },
      handler(id) {
        const module = project().byPath(id.slice(STUB_PREFIX.length));
        if (!module) return null;
        // The stub depends on the source's export table: re-generate when the file changes.
        this.addWatchFile(module.file);
        return { code: generateClientStub(module), moduleSideEffects: false };
      }
    }
  };

  const registry: Plugin = {
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
      // SvelteKit's server entry: importing the registry here makes every production server
      // (node build, vite preview) register the live modules when it starts.
      filter: { id: /[\\/]generated[\\/]server[\\/]internal\.js$/ },
      handler(code) {
        // In dev the plugin loads the live modules itself (and reloads them on save).
        if (this.environment.config.consumer !== 'server' || api.config!.command !== 'build') return null;
        return { code: `import ${JSON.stringify(REGISTRY_ID)};\n${code}`, map: null };
      }
    }
  };

  const boundary: Plugin = {
    name: 'svelte-realtime:boundary',
    enforce: 'pre',
    applyToEnvironment: (environment) => environment.config.consumer === 'client',
    load(id) {
      const file = id.split('?')[0]!;
      if (!api.project || !project().contains(file)) return null;
      const module = project().byFile(file);
      const hint = module ? `import from '$live/${module.path}' instead` : `import live modules through '$live/...'`;
      this.error(`${project().relative(file)} is server code and cannot be imported in the browser: ${hint}.`);
    }
  };

  const plugins = [config, scan, stubs, registry, boundary, devSocketPlugin(api), hmrPlugin(api)];
  // The DevTools overlay exists only in `vite dev` with `devtools` on (the default).
  if (resolved.devtools) plugins.push(devtoolsPlugin(resolved.devtools));
  return plugins;
}
