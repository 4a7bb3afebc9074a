/**
 * `svelte-realtime:server`: the WebSocket on Vite's own HTTP server in `vite dev` and
 * `vite preview`, on its own path (Vite's HMR socket is left alone). In dev it also loads the
 * live modules (see dev-reloader.ts) before the first connection is served.
 *
 * Vite's host check does not see these upgrades, so it is applied here (host-check.ts): a
 * DNS-rebinding page, whose Host is a name of its own, is refused before anything runs.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Plugin } from 'vite';
import { getRuntime } from '../../runtime/server/runtime.js';
import { isSocketPath } from '../../runtime/protocol.js';
import type { RealtimeApi } from '../api.js';
import { createDevReloader } from '../dev-reloader.js';
import { hostCheck } from '../host-check.js';

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
      // Vite evaluates transformed code: errors from live modules get the source's lines back.
      runtime.fixStack = (error) => server.ssrFixStacktrace(error);
      const reloader = createDevReloader(server, api);
      api.reloader = reloader;
      const http = server.httpServer;
      // Middleware mode has no HTTP server: the host server sends upgrades to the runtime
      // (`getRuntime().handleUpgrade`), and the modules load once Vite is set up.
      if (!http) return () => void reloader.load();
      const hosts = hostCheck(server.config.server.allowedHosts, 'server.allowedHosts');
      http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!isSocketPath(req.url ?? '')) return;
        if (!hosts.allows(req.headers.host)) return hosts.refuseUpgrade(socket, req.headers.host);
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
      const hosts = hostCheck(server.config.preview.allowedHosts, 'preview.allowedHosts');
      server.httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!isSocketPath(req.url ?? '')) return;
        if (!hosts.allows(req.headers.host)) return hosts.refuseUpgrade(socket, req.headers.host);
        getRuntime().handleUpgrade(req, socket, head);
      });
    }
  };
}
