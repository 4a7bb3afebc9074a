/**
 * The server runtime: one per process, shared through `globalThis` so that every copy of this
 * package (the Vite plugin's, a bundled server's) reaches the same registry, topics and sockets.
 *
 * The generated registry module calls `load()` with the app's live modules; the plugin (dev,
 * preview) or the adapter's server (production) sends upgrade requests to `handleUpgrade()`.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isSocketPath } from '../protocol.js';
import { clientAddress } from './client-address.js';
import { Connection } from './connection.js';
import { runCleanups, takeUnscopedCleanups } from './dispose.js';
import { handleBinaryFrame } from './binary-dispatch.js';
import { ssrCall, ssrLoad } from './ssr.js';
import { RUNTIME_KEY, type Loaded, type LoadEvent, type SsrRuntime } from '../ssr-contract.js';
import { handleFrame, unsubscribe, type DispatchContext } from './dispatch.js';
import { ErrorLog } from './error-log.js';
import { askHandleError, type ErrorSource, type HandleErrorEvent, type HandleErrorResult } from './error-report.js';
import { Metrics } from './metrics.js';
import { metricsSettingsFromEnvironment, serveMetrics, type MetricsEndpoint } from './metrics-endpoint.js';
import { isLiveError } from './errors.js';
import { appOriginOf, originAllowed } from './origin-policy.js';
import { FairInbox } from './fair-inbox.js';
import { upgradeEvent, type WsHooks } from './hooks.js';
import { limitsFromEnvironment, resolveLimits, type Limits } from './limits.js';
import { handlerKind } from './handler-tag.js';
import type { ActivationHost } from './handlers.js';
import { controlCronJob, type CronAction, type CronJobInfo, type LiveCron } from './kinds/cron.js';
import { Registry, type ModuleRegistration, type RegistryEntry } from './registry.js';
import { Telemetry } from './telemetry.js';
import { OUTPUT_CHECK_MS, OutputBudget } from './output-budget.js';
import { isSubscribable } from './subscribable.js';
import { Topics } from './topics.js';
import { joinCluster, type ClusterMembership } from './cluster/membership.js';
import { batchVia, type BatchInput, type PublishTogether } from './publish-batch.js';
import { PublishPacing } from './publish-pacing.js';
import { signalTopicsOf, signalVia, type SignalTarget } from './signals.js';
import { drainConnections, shutdownDeadlineFromEnvironment, stopOnSignals } from './shutdown.js';

export interface RuntimeOptions {
  /** Full errors with stacks to clients; set by the plugin from Vite's mode. */
  dev: boolean;
  /** Origins allowed besides the server's own (`https://app.example.com`), or `*`. */
  origins: readonly string[];
  limits: Partial<Limits>;
}

export interface LoadInput {
  modules: ModuleRegistration[];
  hooks?: WsHooks;
  options?: Partial<RuntimeOptions>;
}

const HEARTBEAT_MS = 30_000;
/**
 * After a socket error (a frame past the hard cap), how long ws's own close (1009) may take
 * before the socket is cut: long enough for the close frame to reach the peer, which a cut at
 * once would reset away, and far shorter than ws's 30 s wait for the peer's answer.
 */
const ERROR_CLOSE_GRACE_MS = 2_000;
/** Close codes a refused upgrade ends with, after it is accepted, so that a browser can read why. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** A close reason's room in a close frame, in UTF-8 bytes. */
const MAX_CLOSE_REASON_BYTES = 123;

export class Runtime implements DispatchContext, SsrRuntime {
  registry = new Registry();
  readonly topics = new Topics({ onListenerError: (error, topic) => this.reportServerError(error, `listener of topic ${topic}`) });
  readonly telemetry = new Telemetry();
  /** Where ctx.throttle and ctx.debounce hold publishes (publish-pacing.ts). */
  readonly pacing = new PublishPacing();
  /** Runs a batch's publishes so each subscriber gets them in one frame (publish-batch.ts). */
  readonly publishTogether: PublishTogether = (publishes) => this.topics.together(publishes);
  readonly connections = new Map<string, Connection>();
  hooks: WsHooks = {};
  dev = false;
  origins: readonly string[] = [];
  limits: Limits = resolveLimits();
  /** Counting for Prometheus: undefined (nothing counted) until `enableMetrics()` (metrics.ts). */
  metrics: Metrics | undefined;
  private metricsEndpoint: MetricsEndpoint | undefined;
  private wss: WebSocketServer | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private outputCheck: ReturnType<typeof setInterval> | undefined;
  private readonly errorLog = new ErrorLog();
  private readonly outputBudget = new OutputBudget(
    () => this.connections.values(),
    () => this.limits.maxBufferedBytesTotal
  );
  /** Sockets open or being opened, in all and per client address (see `reserve`). */
  private sockets = 0;
  private readonly socketsPerAddress = new Map<string, number>();
  /** Set by `shutdown()`: new sockets are refused and frames from open ones are not run. */
  private stopping: Promise<void> | undefined;
  /** This instance's place in a cluster, when REALTIME_REDIS_URL (or hooks.ws `cluster`) names one. */
  cluster: ClusterMembership | undefined;

  /**
   * Replaces the registered modules, hooks and options in one step. If any module fails to
   * register or a handler fails to activate, the previous handlers stay (or become) active
   * again and the error is thrown.
   */
  load(input: LoadInput): void {
    const next = new Registry();
    for (const registration of input.modules) next.register(registration);
    const fromEnvironment = limitsFromEnvironment();
    const limits =
      input.options?.limits || Object.keys(fromEnvironment).length > 0 ? resolveLimits({ ...input.options?.limits, ...fromEnvironment }) : this.limits;
    const previous = this.registry;
    previous.deactivate();
    try {
      next.activate((entry) => this.activationHost(entry, next));
    } catch (error) {
      previous.activate((entry) => this.activationHost(entry, previous));
      throw error;
    }
    this.registry = next;
    this.restartReplacedTopics(previous);
    this.limits = limits;
    this.hooks = input.hooks ?? {};
    if (input.options?.dev !== undefined) this.dev = input.options.dev;
    if (input.options?.origins) this.origins = input.options.origins;
    // Production and preview only: `vite dev` stays one process.
    if (!this.dev && !this.cluster && !this.stopping) this.cluster = joinCluster((input.hooks as { cluster?: unknown } | undefined)?.cluster, this.topics);
  }

  /**
   * Topics whose upstream work (a derived stream's listeners) was started by a handler that
   * this load replaced or removed: started again by the new handler, so their subscribers keep
   * receiving updates from the new code.
   */
  private restartReplacedTopics(previous: Registry): void {
    for (const [topic, origin] of this.topics.started()) {
      const handler = this.registry.get(origin.path)?.handler;
      if (handler === previous.get(origin.path)?.handler) continue;
      const start = handler && isSubscribable(handler) ? handler.start : undefined;
      this.topics.restart(topic, start && (() => start.call(handler, { ...origin, topic })));
    }
  }

  private activationHost(entry: RegistryEntry, registry: Registry): ActivationHost {
    return {
      path: entry.path,
      name: entry.name,
      file: entry.module.file,
      publish: (topic, event, data) => this.publish(topic, event, data),
      listen: (topic, listener) => this.topics.listen(topic, listener),
      ownedElsewhere: (topic) => registry.ownersOf(topic).some((owner) => owner !== entry.module),
      telemetry: this.telemetry,
      reportError: (error, where) =>
        void this.reportError(error, { path: entry.path, user: null, kind: handlerKind(entry.handler) ?? 'server', where: `${entry.module.file} ${where}` })
    };
  }

  /**
   * Publishes to a topic's subscribers; `connection` and `callId` name the call that published
   * (the telemetry's `cause`, built only for a listener).
   */
  publish(topic: string, event: string, data: unknown, connection?: string, callId?: number): void {
    if (typeof topic !== 'string' || typeof event !== 'string') {
      throw new TypeError('publish(topic, event, data): topic and event must be strings');
    }
    const report = this.topics.publish(topic, event, data);
    if (this.metrics !== undefined) this.metrics.published(topic);
    if (this.telemetry.active) {
      const cause = connection === undefined || callId === undefined ? undefined : { connection, id: callId };
      this.telemetry.emit({ type: 'publish', topic, event, seq: report.seq, epoch: report.epoch, delivered: report.delivered, data, cause });
    }
  }

  /** Publishes several events that subscribers see together (publish-batch.ts), from anywhere on the server. */
  batch(events: BatchInput): void {
    this.batchFromServer(events);
  }

  private readonly batchFromServer = batchVia(this.publishTogether, (topic, event, data) => this.publish(topic, event, data), 'batch');

  /** Sends a signal to a user's connections or to one connection (signals.ts), from anywhere on the server. */
  signal(to: SignalTarget, event: string, data: unknown): void {
    this.signalFromServer(to, event, data);
  }

  private readonly signalFromServer = signalVia((topic, event, data) => this.publish(topic, event, data));

  /** Every active `live.cron` job with its schedule, state and last runs (for the DevTools). */
  cronJobs(): CronJobInfo[] {
    return [...this.activeCronJobs()].map((job) => job.info());
  }

  private *activeCronJobs(): Generator<NonNullable<LiveCron<unknown>['job']>> {
    for (const { path, kind } of this.registry.list()) {
      const job = kind === 'cron' ? (this.registry.get(path)!.handler as LiveCron<unknown>).job : undefined;
      if (job) yield job;
    }
  }

  /**
   * Runs a cron job now, or pauses or resumes its schedule. Throws LiveError('UNKNOWN_PATH')
   * when `path` is not an active job. A run that fails is reported like a scheduled one.
   */
  controlCron(path: string, action: CronAction): Promise<void> {
    const entry = this.registry.get(path);
    const handler = entry && handlerKind(entry.handler) === 'cron' ? (entry.handler as LiveCron<unknown>) : undefined;
    return controlCronJob(handler, path, action);
  }

  /** Listens for upgrades on an HTTP server (the production server). */
  attach(server: HttpServer): void {
    const metricsSettings = metricsSettingsFromEnvironment();
    if (metricsSettings) this.metricsEndpoint = serveMetrics(server, this.enableMetrics(), metricsSettings, (error, where) => this.logError(error, where));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.handleUpgrade(req, socket, head) && server.listenerCount('upgrade') === 1) socket.destroy();
    });
  }

  /** Takes the upgrade if it is for the realtime path; returns false to leave it to others. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!isSocketPath(req.url ?? '/')) return false;
    this.accept(req, socket, head).catch((error: unknown) => {
      this.reportServerError(error, 'upgrade');
      refuse(socket, 500, 'Internal error');
    });
    return true;
  }

  /** Bytes handed to a socket (see output-budget.ts). */
  wrote(bytes: number): void {
    this.outputBudget.wrote(bytes);
  }

  /**
   * In `vite dev`, points an error's stack at the user's source lines (the plugin sets it to
   * Vite's ssrFixStacktrace). Applied here, before anything reads the stack: the terminal,
   * the caller's error and the DevTools all show the rewritten one.
   */
  fixStack: ((error: Error) => void) | undefined;

  /** Logs an error the developer needs to see; repeats of one kind are counted, not printed (error-log.ts). */
  logError(error: unknown, where: string): void {
    if (this.fixStack && error instanceof Error) this.fixStack(error);
    this.errorLog.log(error, where);
  }

  /**
   * An unexpected error: logged, then handed to hooks.ws `handleError`, whose answer (what a
   * caller sees) this resolves with (error-report.ts).
   */
  reportError(error: unknown, event: HandleErrorEvent): HandleErrorResult | undefined | Promise<HandleErrorResult | undefined> {
    this.logError(error, event.where);
    return askHandleError(this.hooks.handleError, error, event, (thrown, where) => this.logError(thrown, where));
  }

  /** An unexpected error no caller waits for (a hook's, a topic listener's): logged and handed to `handleError`. */
  private reportServerError(error: unknown, where: string, kind: ErrorSource = 'server'): void {
    void this.reportError(error, { path: '', user: null, kind, where });
  }

  /** Starts counting for Prometheus (once; later calls return the same counts). See metrics.ts. */
  enableMetrics(): Metrics {
    return (this.metrics ??= new Metrics(this));
  }

  /** `fn.call(event, ...args)` from `+page.server.ts` (see ssr.ts). */
  ssrCall(path: string, args: unknown[], event: LoadEvent): Promise<unknown> {
    return ssrCall(this, path, args, event);
  }

  /** `store.load(event)` from `+page.server.ts` (see ssr.ts). */
  ssrLoad(path: string, args: unknown[], event: LoadEvent): Promise<Loaded<unknown>> {
    return ssrLoad(this, path, args, event);
  }

  /**
   * Stops gracefully (see shutdown.ts): no new sockets, jobs stopped, each socket closed with
   * 1012 once its calls in flight have answered (1001 for those still running at `deadlineMs`),
   * then handlers deactivated and `onDispose` cleanups run. Resolves when all of that is done;
   * calling it again returns the same promise.
   */
  shutdown(deadlineMs = shutdownDeadlineFromEnvironment()): Promise<void> {
    this.stopping ??= (async () => {
      for (const job of this.activeCronJobs()) job.stop();
      await drainConnections(this.connections, deadlineMs);
      await this.stop();
    })();
    return this.stopping;
  }

  /**
   * The production server's signal handling: the first SIGTERM or SIGINT runs `shutdown()` and
   * exits; a second exits at once. Returns the function that removes the handlers. A bad
   * `SHUTDOWN_TIMEOUT` throws here, at start-up, rather than when the deploy comes.
   */
  stopOnSignals(): () => void {
    const deadlineMs = shutdownDeadlineFromEnvironment();
    return stopOnSignals(() => this.shutdown(deadlineMs));
  }

  /** Closes every connection at once (1001) and stops timers; `onDispose` cleanups run in the background. */
  close(): void {
    void this.stop();
  }

  /** Closes what is left open and runs the cleanups; safe to call twice. */
  private stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.outputCheck) clearInterval(this.outputCheck);
    this.heartbeat = this.outputCheck = undefined;
    this.metricsEndpoint?.close();
    this.metricsEndpoint = undefined;
    this.errorLog.close();
    for (const conn of this.connections.values()) conn.socket.close(1001, 'Server shutting down');
    this.wss?.close();
    this.wss = undefined;
    this.registry.deactivate();
    this.pacing.clear();
    this.topics.close();
    const cleanups = runCleanups(takeUnscopedCleanups(), (error) => this.reportServerError(error, 'onDispose'));
    // Last: the presence of the closed sockets has left, so other instances see them go now.
    return Promise.all([cleanups, this.cluster?.leave()]).then(() => undefined);
  }

  /** See origin-policy.ts; ORIGIN is read per upgrade, as adapter-node reads it at start-up. */
  private originAllowed(req: IncomingMessage): boolean {
    const policy = { dev: this.dev, origins: this.origins, appOrigin: appOriginOf(process.env.ORIGIN) };
    return originAllowed(req.headers.origin, req.headers.host, policy);
  }

  /**
   * Opens the socket, or refuses it. Past a connection limit the refusal is an HTTP status
   * (503 in all, 429 for one address): the browser retries later with backoff, as it should.
   * A refusal by the app (`upgrade` throwing a LiveError) or of the page's origin is final, and
   * a browser cannot read an upgrade's HTTP status: so the upgrade is accepted and closed at
   * once with 4401 (UNAUTHORIZED) or 4403 (any other), the reason being the error's message.
   * A refused origin gets 4403 with a fixed reason, before any hook runs and with nothing sent.
   */
  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (this.stopping) return refuse(socket, 503, 'The server is shutting down; retry in a moment');
    const address = clientAddress(req);
    const full = this.reserve(address);
    if (full) {
      this.metrics?.refused(full.status === 503 ? 'server_full' : 'address_full');
      return refuse(socket, full.status, full.message);
    }
    let opened = false;
    try {
      if (!this.originAllowed(req)) {
        this.metrics?.refused('origin');
        return this.closeAtOnce(req, socket, head, CLOSE_FORBIDDEN, 'Origin not allowed');
      }
      let user: unknown = null;
      if (this.hooks.upgrade) {
        try {
          user = (await this.hooks.upgrade(upgradeEvent(req))) ?? null;
        } catch (error) {
          if (isLiveError(error)) {
            this.metrics?.refused(error.code === 'UNAUTHORIZED' ? 'unauthorized' : 'forbidden');
            return this.closeAtOnce(req, socket, head, error.code === 'UNAUTHORIZED' ? CLOSE_UNAUTHORIZED : CLOSE_FORBIDDEN, error.message);
          }
          this.reportServerError(error, 'hooks.ws upgrade', 'hook');
          this.metrics?.refused('upgrade_error');
          return refuse(socket, 500, 'Internal error');
        }
      }
      if (socket.destroyed) return;
      const wss = this.server();
      opened = true;
      wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, user, req.headers.origin, address));
    } finally {
      // An open socket gives its slot back when it closes (see `open`).
      if (!opened) this.release(address);
    }
  }

  /**
   * Takes a slot for a socket from `address`, or says why there is none. Taken before the
   * upgrade hook runs, so upgrades waiting on it count too.
   */
  private reserve(address: string): { status: 429 | 503; message: string } | undefined {
    const { maxConnections, maxConnectionsPerAddress } = this.limits;
    if (this.sockets >= maxConnections) return { status: 503, message: `The server holds its maximum of ${maxConnections} connections; retry later` };
    const fromAddress = this.socketsPerAddress.get(address) ?? 0;
    if (fromAddress >= maxConnectionsPerAddress) {
      return { status: 429, message: `At most ${maxConnectionsPerAddress} connections from one address; close some tabs or retry later` };
    }
    this.sockets++;
    this.socketsPerAddress.set(address, fromAddress + 1);
    return undefined;
  }

  private release(address: string): void {
    this.sockets--;
    const left = (this.socketsPerAddress.get(address) ?? 1) - 1;
    if (left > 0) this.socketsPerAddress.set(address, left);
    else this.socketsPerAddress.delete(address);
  }

  /** Accepts the upgrade and closes it at once with `code` and `reason` (see `accept`); nothing else is sent. */
  private closeAtOnce(req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string): void {
    if (socket.destroyed) return;
    this.server().handleUpgrade(req, socket, head, (ws) => ws.close(code, closeReason(reason)));
  }

  private server(): WebSocketServer {
    if (!this.wss) {
      // The hard cap closes the socket (1009); frames between the soft and the hard cap get a
      // typed FRAME_TOO_LARGE and the connection lives on.
      this.wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(this.limits.maxFrameBytes * 4, this.limits.maxBinaryBytes), perMessageDeflate: false });
      this.heartbeat = setInterval(() => this.checkAlive(), HEARTBEAT_MS);
      this.heartbeat.unref?.();
      this.outputCheck = setInterval(() => this.outputBudget.check(), OUTPUT_CHECK_MS);
      this.outputCheck.unref?.();
    }
    return this.wss;
  }

  private open(ws: WebSocket, user: unknown, origin: string | undefined, address: string): void {
    const conn = new Connection(
      ws,
      user as never,
      (topic, event, data, connection, callId) => this.publish(topic, event, data, connection, callId),
      this,
      address
    );
    this.connections.set(conn.id, conn);
    // Signals to this connection and to its user (signals.ts); non-resuming, so nothing is kept.
    const signalTopics = signalTopicsOf(conn.id, user);
    for (const topic of signalTopics) this.topics.subscribe(topic, conn, undefined, undefined, false);
    this.metrics?.connectionOpened();
    conn.send({ t: 'hello', connection: conn.id, maxFrame: this.limits.maxFrameBytes, maxMessages: this.limits.maxMessagesPerFrame });
    ws.on('pong', () => (conn.alive = true));
    const inbox = new FairInbox(ws, (data, isBinary) => {
      // A draining server runs nothing new: the client sends again what was not answered (shutdown.ts).
      if (this.stopping) return;
      if (isBinary) {
        void handleBinaryFrame(this, conn, Array.isArray(data) ? Buffer.concat(data) : new Uint8Array(data as ArrayBuffer | Buffer));
        return;
      }
      handleFrame(this, conn, data.toString());
    });
    ws.on('message', (data: RawData, isBinary: boolean) => inbox.receive(data, isBinary));
    // ws answers a protocol error (a frame past the hard cap: 1009) with a close frame of its
    // own; cutting the socket now would reset the connection before that frame reaches the peer.
    ws.on('error', () => {
      const timer = setTimeout(() => ws.terminate(), ERROR_CLOSE_GRACE_MS);
      timer.unref?.();
      ws.once('close', () => clearTimeout(timer));
    });
    ws.on('close', (wsCode: number, reason: Buffer) => {
      const code = conn.cutWith ?? wsCode;
      this.release(address);
      this.connections.delete(conn.id);
      this.metrics?.connectionClosed(code);
      for (const id of [...conn.subscriptions.keys()]) unsubscribe(this, conn, id);
      for (const topic of signalTopics) this.topics.unsubscribe(topic, conn);
      if (this.telemetry.active) this.telemetry.emit({ type: 'close', connection: conn.id, code });
      void this.runHook('close', () => this.hooks.close?.({ connectionId: conn.id, connection: conn.id, user: conn.user, code, reason: reason.toString() }));
    });
    if (this.telemetry.active) this.telemetry.emit({ type: 'open', connection: conn.id, user, origin });
    void this.runHook('open', () => this.hooks.open?.({ connectionId: conn.id, connection: conn.id, user: conn.user }));
  }

  private async runHook(name: string, run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.reportServerError(error, `hooks.ws ${name}`, 'hook');
    }
  }

  private checkAlive(): void {
    for (const conn of this.connections.values()) {
      if (!conn.alive) {
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      conn.socket.ping();
    }
  }
}

/** `reason` cut to what a close frame can carry, at a character boundary. */
function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  let cut = '';
  for (const char of reason) {
    if (Buffer.byteLength(cut + char) > MAX_CLOSE_REASON_BYTES - 3) break;
    cut += char;
  }
  return `${cut}…`;
}

function refuse(socket: Duplex, status: 429 | 500 | 503, message: string): void {
  const reason = { 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' }[status];
  const body = Buffer.from(message);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${message}`
  );
}

/** The process's runtime, created on first use. */
export function getRuntime(): Runtime {
  const scope = globalThis as { [RUNTIME_KEY]?: Runtime };
  return (scope[RUNTIME_KEY] ??= new Runtime());
}

/** Drops the process's runtime (tests start each server from a clean one). */
export function resetRuntime(): void {
  const scope = globalThis as { [RUNTIME_KEY]?: Runtime };
  scope[RUNTIME_KEY]?.close();
  delete scope[RUNTIME_KEY];
}
