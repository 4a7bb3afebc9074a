/**
 * A test server: the app's live modules and hooks loaded into the process's runtime (the one
 * `publish()` from svelte-realtime/server reaches), served on 127.0.0.1 at a free port, with a
 * record of every publish. Clients connect to it over real sockets (client.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SOCKET_PATH } from '../protocol.js';
import { LiveSocket } from '../client/socket.js';
import type { LiveUser } from '../server/context.js';
import type { BatchEvent } from '../server/publish-batch.js';
import { handlerKind } from '../server/handler-tag.js';
import type { UpgradeEvent, WsHooks } from '../server/hooks.js';
import type { LiveCron } from '../server/kinds/cron.js';
import type { Limits } from '../server/limits.js';
import { getRuntime, resetRuntime, type Runtime } from '../server/runtime.js';
import { open, TestClient, type ModuleDirectory } from './client.js';
import { TestKitError } from './errors.js';
import { loadModules, type LoadedModule, type ModuleSource } from './modules.js';
import { CLIENT_PARAM, forgetUpgradeHeaders, installTestWebSocket, setUpgradeHeaders, uninstallTestWebSocket } from './socket-class.js';

export interface TestServerOptions {
  /**
   * The app's live modules: `import.meta.glob('/src/live/**\/*.ts', { eager: true })` (test
   * files beside them are skipped), or `{ chat, 'admin/users': users }` keyed by `$live` path.
   */
  modules: Record<string, ModuleSource>;
  /** `src/hooks.ws.ts` (`import * as hooks from '../src/hooks.ws'`), when the app has one. */
  hooks?: WsHooks | Record<string, unknown>;
  /** The live folder the glob's keys are under. Default `src/live`. */
  dir?: string;
  /**
   * Errors as `vite dev` shows them (true, the default: an unexpected error reaches the test
   * with its message), or as production does (false: INTERNAL, the message only in the log).
   */
  dev?: boolean;
  /** `realtime({ limits })`, to test behaviour at a limit with small numbers. */
  limits?: Partial<Limits>;
}

export interface ConnectOptions {
  /**
   * The connection's user, set directly: the app's `upgrade` hook does not run. `null` is a
   * guest. Leave it out to go through `upgrade` with `cookies` and `headers` instead.
   */
  user?: LiveUser | null;
  /** Cookies sent with the upgrade request, for the app's `upgrade` hook: `{ session: id }`. */
  cookies?: Record<string, string>;
  /** Headers sent with the upgrade request (`authorization`, ...). */
  headers?: Record<string, string>;
}

/** One publish, from a handler, a job, `publish()` or `ctx.publish`. */
export interface PublishRecord {
  topic: string;
  event: string;
  data: unknown;
  /** The connection whose call published it (`client.connectionId`); null from anywhere else. */
  connectionId: string | null;
}

let openServer: TestServer | undefined;

export class TestServer {
  private readonly clients = new Set<TestClient>();
  private closing: Promise<void> | undefined;

  private constructor(
    /** The process's runtime, for what the kit does not cover (`runtime.topics`, `runtime.registry`). */
    readonly runtime: Runtime,
    private readonly http: http.Server,
    /** The socket's URL: `ws://127.0.0.1:<port>/__realtime`. */
    readonly url: string,
    private readonly modules: LoadedModule[],
    /** Users of the clients connected with `{ user }`, by client token (see upgradeWith). */
    private readonly bypass: Map<string, LiveUser | null>,
    /** Every publish since the server started (or since `published.length = 0`), oldest first. */
    readonly published: PublishRecord[],
    private readonly stopRecording: () => void
  ) {}

  /** Loads the modules and hooks and starts listening. Close it after each test (`afterEach`). */
  static async start(options: TestServerOptions): Promise<TestServer> {
    if (typeof options !== 'object' || options === null) {
      throw new TestKitError('NO_MODULES', "createTestServer({ modules }): pass an options object with the app's live modules");
    }
    if (openServer) {
      throw new TestKitError('SERVER_OPEN', 'A test server is already open in this process; await server.close() first (in afterEach)');
    }
    const dir = options.dir ?? 'src/live';
    if (typeof dir !== 'string' || dir === '') throw new TestKitError('BAD_OPTION', `createTestServer({ dir }): give the live folder as a string such as 'src/live'`);
    const hooks = (options.hooks ?? {}) as WsHooks;
    if (typeof hooks !== 'object' || hooks === null) throw new TestKitError('BAD_OPTION', "createTestServer({ hooks }): pass the hooks module: import * as hooks from '../src/hooks.ws'");
    const modules = await loadModules(options.modules, dir);
    const runtime = getRuntime();
    const bypass = new Map<string, LiveUser | null>();
    runtime.load({
      modules: modules.map((m) => m.registration),
      hooks: { ...hooks, upgrade: upgradeWith(hooks, bypass) },
      options: { dev: options.dev ?? true, origins: [], limits: options.limits ?? {} }
    });
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    runtime.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const published: PublishRecord[] = [];
    const stopRecording = runtime.telemetry.listen((event) => {
      if (event.type === 'publish') published.push({ topic: event.topic, event: event.event, data: event.data, connectionId: event.cause?.connection ?? null });
    });
    installTestWebSocket();
    const test = new TestServer(runtime, server, `ws://127.0.0.1:${port}${SOCKET_PATH}`, modules, bypass, published, stopRecording);
    openServer = test;
    return test;
  }

  /**
   * A client connected as `user` (the `upgrade` hook skipped), or through the app's `upgrade`
   * hook with `cookies` and `headers` (a guest when the app has no hook). Rejects with the
   * hook's refusal (an RpcError, code UNAUTHORIZED or FORBIDDEN).
   */
  async connect(options: ConnectOptions = {}): Promise<TestClient> {
    this.assertOpen();
    if (typeof options !== 'object' || options === null) throw new TestKitError('BAD_OPTION', 'connect(options): pass { user } or { cookies, headers }');
    const token = randomUUID();
    if ('user' in options) this.bypass.set(token, options.user ?? null);
    setUpgradeHeaders(token, upgradeHeaders(options));
    const url = new URL(this.url);
    url.searchParams.set(CLIENT_PARAM, token);
    const socket = new LiveSocket({ url: url.href, timeout: 30_000, baseDelay: 10, maxDelay: 100, heartbeat: 0, maxQueue: 1000, maxAge: 30_000 });
    const forget = () => {
      this.bypass.delete(token);
      forgetUpgradeHeaders(token);
    };
    const client = new TestClient(socket, this.directory, () => {
      this.clients.delete(client);
      forget();
    });
    this.clients.add(client);
    try {
      await open(socket);
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  /** Publishes as `publish()` from svelte-realtime/server does (a form action, a webhook). */
  publish(topic: string, event: string, data?: unknown): void {
    this.assertOpen();
    this.runtime.publish(topic, event, data);
  }

  /** Publishes several events that subscribers see together, as `batch()` from svelte-realtime/server does. */
  batch(events: readonly BatchEvent[] | (() => void)): void {
    this.assertOpen();
    this.runtime.batch(events);
  }

  /**
   * Runs a `live.cron` job once, now, as its schedule would (`ctx.manual` false): its result
   * is published to its topic and a failure goes where a scheduled run's goes. Resolves when
   * the run has finished. Pass the export (`runCron(reports.nightly)`) or its path.
   */
  async runCron(job: LiveCron<unknown> | string): Promise<void> {
    this.assertOpen();
    const path = typeof job === 'string' ? job : this.pathOfHandler(job);
    const entry = path === undefined ? undefined : this.runtime.registry.get(path);
    if (!entry || handlerKind(entry.handler) !== 'cron') {
      throw new TestKitError('NOT_CRON', `runCron(${typeof job === 'string' ? JSON.stringify(job) : 'job'}): not a live.cron export of a module the test server loaded`);
    }
    const running = (entry.handler as LiveCron<unknown>).job;
    if (!running) throw new TestKitError('CLOSED', `runCron(${JSON.stringify(path)}): the job is not running (the server is closing)`);
    await running.run(false);
  }

  /** Closes every client, the server and the runtime; the next test starts from nothing. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const client of [...this.clients]) client.close();
      this.stopRecording();
      resetRuntime();
      this.http.closeAllConnections();
      await new Promise<void>((resolve) => this.http.close(() => resolve()));
      uninstallTestWebSocket();
      if (openServer === this) openServer = undefined;
    })();
    return this.closing;
  }

  /** `await using server = await createTestServer(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private readonly directory: ModuleDirectory = {
    pathOf: (namespace) => {
      const direct = this.modules.find((m) => m.namespace === namespace);
      if (direct) return direct.registration.path;
      // Another copy of the namespace (a re-export object): the same handler objects name it.
      const handlers = Object.values(namespace).filter((value) => handlerKind(value) !== undefined);
      return this.modules.find((m) => handlers.length > 0 && handlers.every((h) => Object.values(m.namespace).includes(h)))?.registration.path;
    },
    namespaceAt: (path) => this.modules.find((m) => m.registration.path === path)?.namespace
  };

  private pathOfHandler(handler: unknown): string | undefined {
    for (const { registration, namespace } of this.modules) {
      for (const [name, value] of Object.entries(namespace)) if (value === handler) return `${registration.path}/${name}`;
    }
    return undefined;
  }

  private assertOpen(): void {
    if (this.closing) throw new TestKitError('CLOSED', 'This test server was closed; start a new one with createTestServer()');
  }
}

/**
 * The app's `upgrade` hook behind the test's own: a client connected with `{ user }` gets that
 * user; any other goes through the app's hook (or is a guest without one).
 */
function upgradeWith(hooks: WsHooks, bypass: ReadonlyMap<string, LiveUser | null>) {
  return (event: UpgradeEvent) => {
    const token = event.url.searchParams.get(CLIENT_PARAM);
    if (token !== null && bypass.has(token)) return bypass.get(token) ?? null;
    return hooks.upgrade ? hooks.upgrade(event) : null;
  };
}

function upgradeHeaders(options: ConnectOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.headers !== undefined) {
    if (typeof options.headers !== 'object' || options.headers === null) throw new TestKitError('BAD_OPTION', 'connect({ headers }): pass an object of header names to values');
    Object.assign(headers, options.headers);
  }
  if (options.cookies !== undefined) {
    if (typeof options.cookies !== 'object' || options.cookies === null) throw new TestKitError('BAD_OPTION', "connect({ cookies }): pass an object of cookie names to values, e.g. { session: 'abc' }");
    const cookie = Object.entries(options.cookies)
      .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
      .join('; ');
    if (cookie) headers.cookie = headers.cookie ? `${headers.cookie}; ${cookie}` : cookie;
  }
  return headers;
}
