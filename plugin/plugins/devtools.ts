/**
 * `svelte-realtime:devtools`: the DevTools overlay in `vite dev` (never in a build or in
 * `vite preview`, and not at all with `realtime({ devtools: false })`).
 *
 * - Vite's client module, which every dev page loads, gets two additions: a registration
 *   point the client runtime reports its socket to, and one dynamic import of the overlay.
 * - The overlay's Svelte source (devtools-ui/, shipped as source) is served through virtual
 *   ids and compiled by the app's own Svelte plugin; so is the DevTools wire module it shares
 *   with the server, as `virtual:svelte-realtime/devtools-wire`.
 * - The channel is Vite's own dev socket (custom events, see devtools/transport.ts): actions
 *   need the secret embedded in the overlay's module, which this server generated when it
 *   started and serves only to its own origin. Which requests ask for the overlay is decided
 *   by the module id Vite resolves them to (devtools/requested-module.ts), who may have it by
 *   devtools/access.ts.
 * - When the server listens beyond loopback (`vite dev --host`) the overlay is not added and
 *   the channel refuses everyone, unless `devtools.allowRemote` is set; start-up says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import { getRuntime } from '../../runtime/server/runtime.js';
import { TAP_INSTALL_CODE } from '../../runtime/devtools-wire/tap.js';
import { DevtoolsAccess, listensBeyondLoopback } from '../devtools/access.js';
import { DevtoolsChannel } from '../devtools/channel.js';
import { findDevtoolsUi, findDevtoolsWire } from '../devtools/overlay-source.js';
import { bundleOverlay } from '../devtools/overlay-bundle.js';
import { requestedModuleIds } from '../devtools/requested-module.js';
import { connectChannel } from '../devtools/transport.js';
import { hostCheck } from '../host-check.js';
import type { ResolvedDevtools } from '../options.js';

export const DEVTOOLS_ID = 'virtual:svelte-realtime/devtools';
const RESOLVED_DEVTOOLS_ID = '\0svelte-realtime:devtools';
/** The overlay bundled into one module (see devtools/overlay-bundle.ts). */
const RESOLVED_BUNDLE_ID = '\0svelte-realtime:devtools-bundle';
const UI_PREFIX = 'virtual:svelte-realtime/devtools-ui/';
export const WIRE_ID = 'virtual:svelte-realtime/devtools-wire';
const BUNDLE_ID = 'virtual:svelte-realtime/devtools-bundle';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function devtoolsPlugin(options: ResolvedDevtools): Plugin {
  const uiDir = findDevtoolsUi();
  const wireEntry = findDevtoolsWire();
  const wireDir = path.posix.dirname(wireEntry);
  /** The overlay's files and the wire's, which this plugin reads itself. */
  const ownFiles = [uiDir, wireDir].map((dir) => new RegExp(`^${escapeRegExp(dir)}/[^?]+$`));
  /** Which part of the DevTools a module id (a file, or a virtual id) is, if any. */
  const partOf = (id: string): 'overlay' | 'wire' | undefined => {
    const file = id.split('?')[0]!;
    if (file === RESOLVED_DEVTOOLS_ID || file === RESOLVED_BUNDLE_ID || file.startsWith(`${uiDir}/`)) return 'overlay';
    return file.startsWith(`${wireDir}/`) ? 'wire' : undefined;
  };
  let channel: DevtoolsChannel | undefined;
  let root = '';
  /** Why the overlay is off on this server (it listens beyond loopback), if it is. */
  let off: string | undefined;
  /** The overlay in one module, built when the server starts; undefined: served file by file. */
  let bundle: Promise<string | undefined> | undefined;

  return {
    name: 'svelte-realtime:devtools',
    apply: 'serve',
    enforce: 'pre',
    applyToEnvironment: (environment) => environment.config.consumer === 'client',

    configResolved(config) {
      root = config.root;
    },

    configureServer(server) {
      const access = new DevtoolsAccess(hostCheck(server.config.server.allowedHosts, 'server.allowedHosts'), {
        exposed: listensBeyondLoopback(server.config.server.host),
        allowRemote: options.allowRemote === true
      });
      off = access.off;
      if (off) server.config.logger.warn(`svelte-realtime: ${off}`);
      channel = new DevtoolsChannel(getRuntime);
      if (!off) bundle = bundleOverlay({ root, uiDir, wireEntry, wireId: WIRE_ID });
      connectChannel(server, channel, access);
      // Before Vite's own middlewares (its CORS answers any localhost page), so every request
      // that resolves to the overlay is checked, however its URL is spelled.
      server.middlewares.use((req, res, next) => {
        requestedModuleIds(server, req).then(
          (ids) => {
            const parts = ids.map(partOf);
            const part = parts.includes('overlay') ? 'overlay' : parts.includes('wire') ? 'wire' : undefined;
            if (!part) return next();
            res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
            const allowed = access.request(req, part);
            if (allowed.trusted) return next();
            res.statusCode = 403;
            res.setHeader('Content-Type', 'text/plain; charset=utf-8');
            res.end(`svelte-realtime DevTools: this module is only served to pages of this dev server. ${allowed.reason}`);
          },
          (error: unknown) => next(error)
        );
      });
    },

    resolveId: {
      filter: { id: /^virtual:svelte-realtime\/devtools/ },
      handler(id) {
        if (id === DEVTOOLS_ID) return RESOLVED_DEVTOOLS_ID;
        if (id === BUNDLE_ID) return RESOLVED_BUNDLE_ID;
        if (id === WIRE_ID) return wireEntry;
        if (id.startsWith(UI_PREFIX)) {
          const file = path.posix.join(uiDir, id.slice(UI_PREFIX.length));
          if (!file.startsWith(`${uiDir}/`)) return null;
          return file;
        }
        return null;
      }
    },

    load: {
      filter: { id: [/^\0svelte-realtime:devtools(-bundle)?$/, ...ownFiles] },
      async handler(id) {
        if (id === RESOLVED_DEVTOOLS_ID) {
          const config = { secret: channel?.secret ?? '', shortcut: options.shortcut, launcher: options.launcher ?? 'bottom-right', root };
          const entry = (await bundle) === undefined ? `${UI_PREFIX}main.ts` : BUNDLE_ID;
          return `import { start } from ${JSON.stringify(entry)};\nstart(${JSON.stringify(config)}, import.meta.hot);\n`;
        }
        if (id === RESOLVED_BUNDLE_ID) return (await bundle) ?? null;
        // Read the overlay's own files here, so Vite's fs.allow (the app's folders) does not apply.
        if (ownFiles.some((files) => files.test(id)) && fs.existsSync(id)) return fs.readFileSync(id, 'utf8');
        return null;
      }
    },

    transform: {
      filter: { id: /vite\/dist\/client\/client\.mjs(?:\?|$)/ },
      handler(code) {
        if (off) return null;
        return { code: `${code}\n${TAP_INSTALL_CODE}\nimport(${JSON.stringify(DEVTOOLS_ID)});\n`, map: null };
      }
    }
  };
}
