/**
 * `svelte-realtime:server`: the WebSocket on Vite's own HTTP server in `vite dev` and
 * `vite preview`, on its own path (Vite's HMR socket is left alone).
 *
 * In dev the registry is loaded through `ssrLoadModule`, the loader SvelteKit uses, so live
 * modules and pages share one instance of every server module (one database client, one cache).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Plugin, ViteDevServer } from 'vite';
import { getRuntime } from '../runtime/server/runtime.js';
import { SOCKET_PATH } from '../runtime/protocol.js';
import type { RealtimeApi } from './index.js';
import { reloadOnChange } from './reload.js';

const REGISTRY_ID = 'virtual:svelte-realtime/registry';

function isSocketPath(url: string | undefined): boolean {
  if (!url) return false;
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)) === SOCKET_PATH;
}

/** Loads (or re-loads) the registry in the dev server's SSR environment. */
export async function loadRegistry(server: ViteDevServer): Promise<void> {
  await server.ssrLoadModule(REGISTRY_ID, { fixStacktrace: true });
}

export function devSocketPlugin(api: RealtimeApi): Plugin {
  return {
    name: 'svelte-realtime:server',
    configureServer(server) {
      const runtime = getRuntime();
      let ready: Promise<void> | undefined;
      const ensureLoaded = (): Promise<void> =>
        (ready ??= loadRegistry(server).catch((error: unknown) => {
          ready = undefined; // try again on the next connection
          server.config.logger.error(`[svelte-realtime] loading src/live failed: ${(error as Error).message}`, { error: error as Error });
        }));
      reloadOnChange(server, api, () => {
        ready = loadRegistry(server);
        return ready;
      });
      const http = server.httpServer;
      // Middleware mode (and vitest) has no HTTP server: the host server attaches the runtime.
      if (!http) return;
      http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!isSocketPath(req.url)) return;
        void ensureLoaded().then(() => runtime.handleUpgrade(req, socket, head));
      });
      http.once('listening', () => void ensureLoaded());
      http.once('close', () => runtime.close());
    },
    configurePreviewServer(server) {
      // The built server (loaded by SvelteKit's preview) registered the modules on the runtime.
      server.httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (isSocketPath(req.url)) getRuntime().handleUpgrade(req, socket, head);
      });
    }
  };
}
