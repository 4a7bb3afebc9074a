/**
 * `svelte-realtime:server`: the WebSocket on Vite's own HTTP server in `vite dev` and
 * `vite preview`, on its own path (Vite's HMR socket is left alone).
 *
 * In dev the live modules are loaded one by one through `ssrLoadModule`, the loader SvelteKit
 * uses, so live modules and pages share one instance of every server module (one database
 * client, one cache), and a reload re-imports only what changed (see LiveReloader).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Plugin, ViteDevServer } from 'vite';
import { getRuntime } from '../runtime/server/runtime.js';
import { SOCKET_PATH } from '../runtime/protocol.js';
import type { RealtimeApi } from './index.js';
import { RECOVERED_EVENT } from './hmr.js';
import { formatFailure, LiveReloader } from './reload.js';

function isSocketPath(url: string | undefined): boolean {
  if (!url) return false;
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)) === SOCKET_PATH;
}

/** A LiveReloader working through a Vite dev server: its SSR loader, module graph, logger and overlay. */
export function createDevReloader(server: ViteDevServer, api: RealtimeApi): LiveReloader {
  const logger = server.config.logger;
  const ssr = server.environments.ssr;
  return new LiveReloader({
    root: server.config.root,
    project: api.project!,
    runtime: getRuntime(),
    options: { dev: true, origins: api.options.origins },
    importModule: (file) => server.ssrLoadModule(file, { fixStacktrace: true }),
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

export function devSocketPlugin(api: RealtimeApi): Plugin {
  return {
    name: 'svelte-realtime:server',
    /** For other plugins and tests: `reloader.idle()` resolves once no reload is running. */
    api: {
      get reloader() {
        return api.reloader;
      }
    },
    configureServer(server) {
      const runtime = getRuntime();
      const reloader = createDevReloader(server, api);
      api.reloader = reloader;
      const http = server.httpServer;
      // Middleware mode has no HTTP server: the host server sends upgrades to the runtime
      // (`getRuntime().handleUpgrade`), and the modules load once Vite is set up.
      if (!http) return () => void reloader.load();
      http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!isSocketPath(req.url)) return;
        void reloader.load().then(() => runtime.handleUpgrade(req, socket, head));
      });
      http.once('listening', () => void reloader.load());
      http.once('close', () => void reloader.close().then(() => runtime.close()));
    },
    closeBundle() {
      // The dev server is closing (middleware mode has no HTTP server to tell us).
      void api.reloader?.close();
    },
    configurePreviewServer(server) {
      // The built server (loaded by SvelteKit's preview) registered the modules on the runtime.
      server.httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (isSocketPath(req.url)) getRuntime().handleUpgrade(req, socket, head);
      });
    }
  };
}
