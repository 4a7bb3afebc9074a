/**
 * `svelte-realtime:devtools`: the DevTools overlay in `vite dev` (never in a build or in
 * `vite preview`, and not at all with `realtime({ devtools: false })`).
 *
 * - Vite's client module, which every dev page loads, gets two additions: a registration
 *   point the client runtime reports its socket to, and one dynamic import of the overlay.
 * - The overlay's Svelte source (devtools-ui/, shipped as source) is served through virtual
 *   ids and compiled by the app's own Svelte plugin.
 * - The channel is Vite's own dev socket (custom events): reading needs what that socket needs
 *   (its token, an allowed host); actions need the secret embedded in the overlay's module,
 *   which this server generated when it started and serves only to its own origin.
 */
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, ViteDevServer } from 'vite';
import { getRuntime } from '../runtime/server/runtime.js';
import { TAP_INSTALL_CODE } from '../devtools-ui/data/page-tap.js';
import { CHANNEL_EVENT } from '../devtools-ui/data/wire.js';
import { DevtoolsChannel, type OverlayClient } from './devtools-channel.js';
import type { ResolvedDevtools } from './options.js';
import { posix } from './paths.js';

export const DEVTOOLS_ID = 'virtual:svelte-realtime/devtools';
const RESOLVED_DEVTOOLS_ID = '\0svelte-realtime:devtools';
const UI_PREFIX = 'virtual:svelte-realtime/devtools-ui/';

/** The package's devtools-ui folder, found from this file in plugin/ (source) or dist/plugin/ (built). */
export function findDevtoolsUi(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'devtools-ui');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(candidate, 'main.ts'))) {
      return posix(candidate);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`svelte-realtime: the devtools-ui folder is missing next to ${from}; reinstall svelte-realtime`);
    dir = parent;
  }
}

/** True when an HTTP or upgrade request comes from a page of this server (or from no page at all). */
export function fromSameOrigin(req: Pick<IncomingMessage, 'headers'>): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function devtoolsPlugin(options: ResolvedDevtools): Plugin {
  const uiDir = findDevtoolsUi();
  const uiFiles = new RegExp(`^${escapeRegExp(uiDir)}/[^?]+$`);
  let channel: DevtoolsChannel | undefined;
  let root = '';

  return {
    name: 'svelte-realtime:devtools',
    apply: 'serve',
    enforce: 'pre',
    applyToEnvironment: (environment) => environment.config.consumer === 'client',

    configResolved(config) {
      root = config.root;
    },

    configureServer(server) {
      channel = new DevtoolsChannel(getRuntime);
      connectChannel(server, channel);
      server.middlewares.use((req, res, next) => {
        const url = req.url ?? '';
        const isOverlay = url.includes('svelte-realtime:devtools') || url.includes(UI_PREFIX) || url.includes(uiDir);
        if (!isOverlay || fromSameOrigin(req)) return next();
        res.statusCode = 403;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('svelte-realtime DevTools: this module is only served to pages of this dev server');
      });
    },

    resolveId: {
      filter: { id: /^virtual:svelte-realtime\/devtools/ },
      handler(id) {
        if (id === DEVTOOLS_ID) return RESOLVED_DEVTOOLS_ID;
        if (id.startsWith(UI_PREFIX)) {
          const file = path.posix.join(uiDir, id.slice(UI_PREFIX.length));
          if (!file.startsWith(`${uiDir}/`)) return null;
          return file;
        }
        return null;
      }
    },

    load: {
      filter: { id: [/^\0svelte-realtime:devtools$/, uiFiles] },
      handler(id) {
        if (id === RESOLVED_DEVTOOLS_ID) {
          const config = { secret: channel?.secret ?? '', shortcut: options.shortcut, root };
          return `import { start } from ${JSON.stringify(`${UI_PREFIX}main.ts`)};\nstart(${JSON.stringify(config)});\n`;
        }
        // Read the overlay's own files here, so Vite's fs.allow (the app's folders) does not apply.
        if (id.startsWith(`${uiDir}/`) && fs.existsSync(id)) return fs.readFileSync(id, 'utf8');
        return null;
      }
    },

    transform: {
      filter: { id: /vite\/dist\/client\/client\.mjs(?:\?|$)/ },
      handler(code) {
        return { code: `${code}\n${TAP_INSTALL_CODE}\nimport(${JSON.stringify(DEVTOOLS_ID)});\n`, map: null };
      }
    }
  };
}

/** Carries the channel over Vite's dev socket, noting which sockets came from another origin. */
function connectChannel(server: ViteDevServer, channel: DevtoolsChannel): void {
  const hot = server.environments.client.hot as unknown as {
    on(event: string, listener: (...args: never[]) => void): void;
  };
  const trusted = new WeakMap<object, boolean>();
  const clients = new WeakMap<object, OverlayClient>();
  type HotClient = { send(event: string, data: unknown): void; socket?: object };
  const overlayOf = (client: HotClient): OverlayClient => {
    let overlay = clients.get(client);
    if (!overlay) clients.set(client, (overlay = { send: (message) => client.send(CHANNEL_EVENT, message) }));
    return overlay;
  };
  hot.on('connection', (socket: object, req: IncomingMessage) => trusted.set(socket, fromSameOrigin(req)));
  hot.on(CHANNEL_EVENT, (data: unknown, client: HotClient) => {
    const isTrusted = client.socket ? trusted.get(client.socket) !== false : true;
    channel.receive(overlayOf(client), data, isTrusted);
  });
  hot.on('vite:client:disconnect', (_data: unknown, client: HotClient) => channel.disconnect(overlayOf(client)));
  server.httpServer?.once('close', () => channel.close());
}
