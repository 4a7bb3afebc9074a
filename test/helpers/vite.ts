/**
 * A real Vite dev server on a temp copy of a fixture app, with the plugin from source.
 *
 * - The fixture (test/fixtures/<name>) is copied to test/.work/<label>-<pid>/ so tests can edit
 *   its files on disk; the copy is removed by `close()`.
 * - `svelte-realtime/server` and `/client` are aliased to the TypeScript sources, so the live
 *   modules and the plugin use this checkout (they meet through the runtime on `globalThis`).
 * - The server listens on 127.0.0.1, port 0 (`server.listen()`): that gives Vite an HTTP server,
 *   and the plugin takes WebSocket upgrades on it exactly as in `vite dev`. Vite's own HMR
 *   socket is on the same port; `hmrClient()` connects to it like a browser tab does, to see
 *   what the page would be told (errors for the overlay, updates, reloads).
 * - Terminal output is captured in `logs`; every `reload` telemetry event in `reloads`.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, createServer, type HotPayload, type Logger, type ServerOptions, type ViteDevServer } from 'vite';
import { WebSocket } from 'ws';
import realtime from '../../plugin/index.js';
import type { RealtimeOptions } from '../../plugin/options.js';
import { getRuntime, resetRuntime, type Runtime } from '../../runtime/server/runtime.js';
import type { TelemetryEvent } from '../../runtime/server/telemetry.js';
import { waitFor } from './server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

export type ReloadEvent = Extract<TelemetryEvent, { type: 'reload' }>;

export interface DevApp {
  root: string;
  server: ViteDevServer;
  runtime: Runtime;
  /** ws://127.0.0.1:<port>/__realtime */
  url: string;
  logs: { type: 'info' | 'warn' | 'error'; message: string }[];
  reloads: ReloadEvent[];
  /** Absolute path of a file in the app. */
  file(relative: string): string;
  write(relative: string, content: string): void;
  remove(relative: string): void;
  /** Resolves with the first reload event after `count` earlier ones that passes `test`. */
  reload(test?: (event: ReloadEvent) => boolean, after?: number, timeout?: number): Promise<ReloadEvent>;
  /** Writes a file and resolves with the reload it causes. */
  save(relative: string, content: string, test?: (event: ReloadEvent) => boolean): Promise<ReloadEvent>;
  hmrClient(): Promise<HmrClient>;
  /** Resolves once the plugin has no reload running or queued. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface HmrClient {
  messages: HotPayload[];
  next(test: (m: HotPayload) => boolean, timeout?: number): Promise<HotPayload>;
  close(): void;
}

function capturingLogger(logs: DevApp['logs']): Logger {
  const logger = createLogger('info', { allowClearScreen: false });
  for (const type of ['info', 'warn', 'error'] as const) {
    logger[type] = (message: string) => void logs.push({ type, message });
  }
  logger.warnOnce = (message: string) => void logs.push({ type: 'warn', message });
  return logger;
}

export { waitFor };

/** `serverOptions` are merged into Vite's `server` config (for example `allowedHosts`, `host`). */
export async function startDevApp(fixture: string, label: string, options: RealtimeOptions = {}, serverOptions: ServerOptions = {}): Promise<DevApp> {
  const root = path.join(repo, 'test/.work', `${label}-${process.pid}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(root), { recursive: true });
  fs.cpSync(path.join(repo, 'test/fixtures', fixture), root, { recursive: true });
  resetRuntime();
  const runtime = getRuntime();
  const logs: DevApp['logs'] = [];
  const reloads: ReloadEvent[] = [];
  const stopListening = runtime.telemetry.listen((event) => {
    if (event.type === 'reload') reloads.push(event);
  });
  const server = await createServer({
    root,
    configFile: false,
    appType: 'custom',
    customLogger: capturingLogger(logs),
    plugins: [realtime({ devtools: false, ...options })],
    resolve: {
      alias: {
        'svelte-realtime/server': path.join(repo, 'runtime/server/index.ts'),
        'svelte-realtime/client': path.join(repo, 'runtime/client/index.ts'),
        'svelte-realtime/internal/server': path.join(repo, 'runtime/server/internal.ts'),
        'svelte-realtime/internal/client': path.join(repo, 'runtime/client/internal.ts')
      }
    },
    optimizeDeps: { noDiscovery: true, include: [] },
    // The package's own sources are a dependency here, not part of the app: edits to them
    // (by whoever works on this checkout) must not reload the fixture.
    server: { host: '127.0.0.1', port: 0, strictPort: false, ...serverOptions, watch: { ignored: [`${repo}/runtime/**`, `${repo}/plugin/**`] } }
  });
  await server.listen();
  const port = (server.httpServer!.address() as AddressInfo).port;

  const file = (relative: string) => path.join(root, relative).split(path.sep).join('/');
  const reload: DevApp['reload'] = async (test = () => true, after = reloads.length, timeout = 15_000) =>
    waitFor(() => reloads.slice(after).find(test), 'a reload', timeout);

  const app: DevApp = {
    root,
    server,
    runtime,
    url: `ws://127.0.0.1:${port}/__realtime`,
    logs,
    reloads,
    file,
    write(relative, content) {
      fs.mkdirSync(path.dirname(file(relative)), { recursive: true });
      fs.writeFileSync(file(relative), content);
    },
    remove(relative) {
      fs.rmSync(file(relative), { recursive: true, force: true });
    },
    reload,
    async save(relative, content, test = (event) => event.file === relative) {
      const after = reloads.length;
      app.write(relative, content);
      return reload(test, after);
    },
    async hmrClient() {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/?token=${server.config.webSocketToken}`, 'vite-hmr');
      const messages: HotPayload[] = [];
      socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as HotPayload));
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      await waitFor(() => messages.some((m) => m.type === 'connected'), 'the HMR socket');
      return {
        messages,
        async next(test, timeout = 10_000) {
          const found = await waitFor(() => messages.find(test), 'an HMR message', timeout);
          messages.splice(messages.indexOf(found), 1);
          return found;
        },
        close: () => socket.close()
      };
    },
    async idle() {
      const plugin = server.config.plugins.find((p) => p.name === 'svelte-realtime:server');
      await (plugin?.api as { reloader?: { idle(): Promise<void> } } | undefined)?.reloader?.idle();
    },
    async close() {
      stopListening();
      await server.close();
      resetRuntime();
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
  // The plugin loads the live modules when the server starts listening.
  await app.reload(() => true, 0);
  return app;
}
