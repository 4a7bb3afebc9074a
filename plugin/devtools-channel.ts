/**
 * The DevTools channel's server side, independent of how messages travel (the plugin carries
 * them over Vite's dev socket).
 *
 * - The telemetry listener is attached only while at least one overlay is connected (and for
 *   `lingerMs` after the last one leaves, so a reloading page misses nothing); with none, the
 *   runtime builds no events at all.
 * - While connected, events are kept by reference in a bounded ring per kind (an overlay opened
 *   late sees recent history). At most `closedBudget` events are kept per `batchMs` with no
 *   panel open, `openBudget` with one open: past it the listener detaches until the window
 *   ends, so under load the runtime builds no events and what the overlay has is a sample (the
 *   state says since when). Nothing is serialised until an overlay is open: then new events
 *   are turned into bounded previews and sent in batches (every `batchMs`), with a snapshot of
 *   connections, topics and cron jobs every `stateMs`.
 * - Actions that change server state (replay a call, run or pause a cron job, run a stream's
 *   init) need the per-server secret; anything else is refused with a typed error.
 */
import crypto from 'node:crypto';
import { stringify as devalueStringify } from 'devalue';
import type { Runtime } from '../runtime/server/runtime.js';
import type { TelemetryEvent } from '../runtime/server/telemetry.js';
import { preview } from '../devtools-ui/data/preview.js';
import { CaptureRing, type Captured } from './capture-ring.js';
import type {
  ActionRequest,
  ChannelMessage,
  CronJobInfo,
  ErrorInfo,
  ExportChange,
  OverlayMessage,
  ServerEvent,
  ServerState
} from '../devtools-ui/data/wire.js';
import { probe } from './devtools-probe.js';

export interface OverlayClient {
  send(message: ChannelMessage): void;
}

export interface ChannelOptions {
  /** Events kept per kind for overlays opened later. */
  capacity?: number;
  batchMs?: number;
  stateMs?: number;
  /** How long to keep listening after the last overlay left (a page reload reconnects within it). */
  lingerMs?: number;
  /** Events kept per `batchMs` while no panel is open; past it, history is sampled. */
  closedBudget?: number;
  /** Events kept per `batchMs` while a panel is open; past it, what the panel shows is sampled. */
  openBudget?: number;
}

/** Largest argument list (JSON characters) an action may carry. */
const MAX_ACTION_ARGS = 64 * 1024;

interface OverlayState {
  open: boolean;
  /** Highest `n` this overlay has been sent. */
  sent: number;
}

/** What cron support looks like on the runtime (contract 5), when present. */
interface CronRuntime {
  cronJobs(): CronJobInfo[];
  controlCron(path: string, action: 'run' | 'pause' | 'resume'): Promise<void>;
}

export class DevtoolsChannel {
  readonly secret: string;
  private readonly overlays = new Map<OverlayClient, OverlayState>();
  private readonly rings = new Map<string, CaptureRing>();
  private readonly capacity: number;
  private readonly batchMs: number;
  private readonly stateMs: number;
  private readonly lingerMs: number;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private n = 0;
  private stopListening: (() => void) | undefined;
  private batchTimer: ReturnType<typeof setInterval> | undefined;
  private stateTimer: ReturnType<typeof setInterval> | undefined;
  private readonly closedBudget: number;
  private readonly openBudget: number;
  private anyOpen = false;
  /** Events taken in the current window (see capture), and the timer that ends it. */
  private windowCount = 0;
  private windowTimer: ReturnType<typeof setTimeout> | undefined;
  /** True while the listener is detached for the rest of a window that spent its budget. */
  private sampling = false;
  /** When history was last thinned (epoch ms), for the overlay to say so. */
  private sampledAt: number | null = null;
  /** Server id: an overlay that sees a new one forgets the old server's event order. */
  private readonly serverId = crypto.randomUUID();

  constructor(
    private readonly runtime: () => Runtime,
    options: ChannelOptions & { secret?: string } = {}
  ) {
    this.secret = options.secret ?? crypto.randomBytes(24).toString('base64url');
    this.capacity = options.capacity ?? 500;
    this.batchMs = options.batchMs ?? 100;
    this.stateMs = options.stateMs ?? 1000;
    this.lingerMs = options.lingerMs ?? 3000;
    // 1000 events a second with no panel open: all of a person clicking through the app, and a
    // sample under load. Each event kept outlives a few collections, so this bounds what an
    // overlay that is not even looked at costs the server.
    this.closedBudget = options.closedBudget ?? 100;
    // 10 000 events a second to an open panel: more than it can show, and a bounded cost to a
    // server under load (every event kept is built, previewed, encoded and collected).
    this.openBudget = options.openBudget ?? 1000;
  }

  /** Whether the runtime's telemetry is being listened to (tests, benchmarks). */
  get listening(): boolean {
    return this.stopListening !== undefined;
  }

  /** Handles one message from an overlay. `trusted` is false when it came from another origin. */
  receive(client: OverlayClient, message: unknown, trusted: boolean): void {
    if (!trusted) {
      client.send({
        kind: 'refused',
        code: 'FORBIDDEN',
        message: 'The DevTools channel only answers pages served by this dev server (the request came from another origin)'
      });
      return;
    }
    const m = message as OverlayMessage | null;
    if (typeof m !== 'object' || m === null || typeof m.op !== 'string') {
      client.send({ kind: 'refused', code: 'MALFORMED', message: 'A DevTools message needs an op' });
      return;
    }
    switch (m.op) {
      case 'hello':
        return this.connect(client, m.open === true);
      case 'open':
      case 'close':
        return this.setOpen(client, m.op === 'open');
      case 'action':
        void this.act(client, m);
        return;
      default:
        client.send({ kind: 'refused', code: 'MALFORMED', message: `Unknown DevTools op ${JSON.stringify(String((m as { op: unknown }).op).slice(0, 40))}` });
    }
  }

  connect(client: OverlayClient, open: boolean): void {
    this.overlays.set(client, { open: false, sent: 0 });
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.listen();
    client.send({ kind: 'welcome', server: this.serverId });
    if (open) this.setOpen(client, true);
  }

  setOpen(client: OverlayClient, open: boolean): void {
    const overlay = this.overlays.get(client);
    if (!overlay) return;
    overlay.open = open;
    this.schedule();
    if (open) {
      // An opened panel starts a window of its own, with the open budget: end any sampling now.
      clearTimeout(this.windowTimer);
      this.windowTimer = undefined;
      this.windowCount = 0;
      this.sampling = false;
      this.listen();
      // Everything kept, then whatever comes next in batches.
      this.sendEvents(client, overlay, this.captured(overlay.sent));
      client.send({ kind: 'state', state: this.state() });
    }
  }

  disconnect(client: OverlayClient): void {
    if (!this.overlays.delete(client)) return;
    this.schedule();
    if (this.overlays.size > 0 || this.lingerTimer) return;
    // Keep listening a moment: a page that reloads (a save, a full reload) reconnects and
    // should see what happened meanwhile. The history stays for the next overlay.
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      if (this.overlays.size === 0) this.stopListeningNow();
    }, this.lingerMs);
    this.lingerTimer.unref?.();
  }

  close(): void {
    this.overlays.clear();
    this.schedule();
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    this.sampling = false;
    this.stopListeningNow();
    this.rings.clear();
  }

  /** Attaches the telemetry listener, unless it is attached or sampling holds it off. */
  private listen(): void {
    if (!this.stopListening && !this.sampling) this.stopListening = this.runtime().telemetry.listen((event) => this.capture(event));
  }

  private stopListeningNow(): void {
    this.stopListening?.();
    this.stopListening = undefined;
  }

  /** Sends what is new to open overlays (the batch timer calls it; tests may too). */
  flush(): void {
    let from = Infinity;
    for (const overlay of this.overlays.values()) if (overlay.open) from = Math.min(from, overlay.sent);
    if (from === Infinity) return;
    const fresh = this.captured(from);
    if (fresh.length === 0) return;
    const converted = fresh.map(toServerEvent);
    for (const [client, overlay] of this.overlays) {
      if (!overlay.open) continue;
      const events = overlay.sent === from ? converted : converted.filter((e) => e.n > overlay.sent);
      if (events.length === 0) continue;
      overlay.sent = events[events.length - 1]!.n;
      client.send({ kind: 'events', events });
    }
  }

  /** Connections, topics and cron jobs as they are now. */
  state(): ServerState {
    const runtime = this.runtime();
    const merges = new Map<string, string>();
    const connections = [...runtime.connections.values()].map((conn) => ({
      id: conn.id,
      user: preview(conn.user, { depth: 4, entries: 20, string: 200, nodes: 200 }),
      subscriptions: [...conn.subscriptions.values()].map((s) => {
        const handler = runtime.registry.get(s.path)?.handler as { options?: { merge?: string } } | undefined;
        if (handler?.options?.merge) merges.set(s.topic, handler.options.merge);
        return { id: s.id, path: s.path, topic: s.topic };
      })
    }));
    const topics = runtime.topics.list().map((t) => {
      const merge = merges.get(t.topic);
      return merge ? { ...t, merge } : t;
    });
    const cron = cronOf(runtime);
    return { time: Date.now(), connections, topics, cron: cron ? cron.cronJobs() : null, sampledAt: this.sampledAt };
  }

  private capture(event: TelemetryEvent): void {
    if (++this.windowCount === 1) {
      this.windowTimer = setTimeout(this.endWindow, this.batchMs);
      this.windowTimer.unref?.();
    } else if (this.windowCount > (this.anyOpen ? this.openBudget : this.closedBudget)) {
      // Over budget: stop taking events (the runtime then builds none) until the window ends.
      this.sampling = true;
      this.sampledAt = Date.now();
      this.stopListeningNow();
      return;
    }
    let ring = this.rings.get(event.type);
    if (!ring) this.rings.set(event.type, (ring = new CaptureRing(this.capacity)));
    // A call carries its own clock readings: its end needs no clock read of its own.
    const time = event.type === 'call' ? performance.timeOrigin + event.start + event.duration : Date.now();
    ring.push(++this.n, time, event);
  }

  /** Kept events after `after`, in order. */
  private captured(after: number): Captured[] {
    const out: Captured[] = [];
    for (const ring of this.rings.values()) {
      for (let back = 0; back < ring.size && ring.nAt(back) > after; back++) out.push(ring.capturedAt(back));
    }
    return out.sort((a, b) => a.n - b.n);
  }

  private sendEvents(client: OverlayClient, overlay: OverlayState, captured: Captured[]): void {
    if (captured.length === 0) return;
    const events = captured.map(toServerEvent);
    overlay.sent = events[events.length - 1]!.n;
    client.send({ kind: 'events', events });
  }

  /** Runs the timers only while an overlay is open. */
  /** Ends a capture window: the budget starts again, and a paused listener comes back. */
  private readonly endWindow = (): void => {
    this.windowTimer = undefined;
    this.windowCount = 0;
    if (!this.sampling) return;
    this.sampling = false;
    if (this.overlays.size > 0 || this.lingerTimer) this.listen();
  };

  private schedule(): void {
    const anyOpen = (this.anyOpen = [...this.overlays.values()].some((o) => o.open));
    if (anyOpen && !this.batchTimer) {
      this.batchTimer = setInterval(() => this.flush(), this.batchMs);
      this.stateTimer = setInterval(() => this.broadcastState(), this.stateMs);
      this.batchTimer.unref?.();
      this.stateTimer.unref?.();
    } else if (!anyOpen && this.batchTimer) {
      clearInterval(this.batchTimer);
      clearInterval(this.stateTimer);
      this.batchTimer = this.stateTimer = undefined;
    }
  }

  private broadcastState(): void {
    const message: ChannelMessage = { kind: 'state', state: this.state() };
    for (const [client, overlay] of this.overlays) if (overlay.open) client.send(message);
  }

  private async act(client: OverlayClient, m: Extract<OverlayMessage, { op: 'action' }>): Promise<void> {
    const ref = typeof m.ref === 'number' ? m.ref : 0;
    const refuse = (code: string, message: string) => client.send({ kind: 'reply', ref, ok: false, error: { code, message } });
    if (!this.hasSecret(m.secret)) {
      return refuse('FORBIDDEN', 'DevTools actions need the secret of the overlay this dev server served; reload the page if the server restarted');
    }
    if (!this.overlays.has(client)) return refuse('MALFORMED', 'Send hello before actions');
    try {
      const reply = await this.perform(m);
      client.send({ kind: 'reply', ref, ok: true, ...reply });
      this.flush();
      client.send({ kind: 'state', state: this.state() });
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      refuse(typeof e.code === 'string' ? e.code : 'FAILED', typeof e.message === 'string' ? e.message : String(error));
    }
  }

  private hasSecret(candidate: unknown): boolean {
    if (typeof candidate !== 'string') return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.secret);
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }

  private async perform(request: ActionRequest): Promise<Omit<Extract<ChannelMessage, { kind: 'reply'; ok: true }>, 'kind' | 'ref' | 'ok'>> {
    const runtime = this.runtime();
    switch (request.action) {
      case 'replay': {
        const original = this.findCall(request.connection, request.id);
        if (!original) throw actionError('EXPIRED', `Call ${request.connection}/${request.id} is no longer kept on the server; make it again`);
        const user = this.userOf(original.connection);
        if (user === NO_USER) throw actionError('GONE', `Connection ${original.connection} closed and its user is no longer known; make the call again`);
        const id = 1 + Math.floor(Math.random() * 1e9);
        const { connection, reply } = await probe(runtime, user, { t: 'call', id, path: original.path, args: original.args });
        return { value: preview(reply.t === 'result' ? reply.data : reply), call: { connection, id } };
      }
      case 'cron': {
        const cron = cronOf(runtime);
        if (!cron) throw actionError('UNSUPPORTED', 'This server has no cron jobs');
        if (!['run', 'pause', 'resume'].includes(request.control)) throw actionError('MALFORMED', 'control must be run, pause or resume');
        if (typeof request.path !== 'string') throw actionError('MALFORMED', 'path must be a string');
        await cron.controlCron(request.path, request.control);
        return {};
      }
      case 'server-value': {
        const args = request.args;
        if (!Array.isArray(args)) throw actionError('MALFORMED', 'args must be an array');
        if (JSON.stringify(args).length > MAX_ACTION_ARGS) throw actionError('LIMIT', `Stream arguments may be at most ${MAX_ACTION_ARGS} characters of JSON`);
        if (typeof request.path !== 'string' || typeof request.connection !== 'string') throw actionError('MALFORMED', 'path and connection must be strings');
        const user = this.userOf(request.connection);
        if (user === NO_USER) throw actionError('GONE', `Connection ${request.connection} is not open`);
        const { reply } = await probe(runtime, user, { t: 'sub', id: 1, path: request.path, args });
        if (reply.t === 'error') throw actionError(reply.code, reply.message);
        return { value: preview(reply.t === 'snapshot' ? reply.data : undefined) };
      }
      default:
        throw actionError('MALFORMED', `Unknown action ${JSON.stringify(String((request as { action: unknown }).action).slice(0, 40))}`);
    }
  }

  private findCall(connection: string, id: number): Extract<TelemetryEvent, { type: 'call' }> | undefined {
    const ring = this.rings.get('call');
    if (!ring) return undefined;
    for (let back = 0; back < ring.size; back++) {
      const event = ring.eventAt(back) as Extract<TelemetryEvent, { type: 'call' }>;
      if (event.connection === connection && event.id === id) return event;
    }
    return undefined;
  }

  private userOf(connection: string): unknown {
    const open = this.runtime().connections.get(connection);
    if (open) return open.user;
    const ring = this.rings.get('open');
    for (let back = 0; back < (ring?.size ?? 0); back++) {
      const event = ring!.eventAt(back) as Extract<TelemetryEvent, { type: 'open' }>;
      if (event.connection === connection) return event.user;
    }
    return NO_USER;
  }
}

const NO_USER = Symbol('no user');

function actionError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

function cronOf(runtime: Runtime): CronRuntime | undefined {
  const candidate = runtime as unknown as Partial<CronRuntime>;
  return typeof candidate.cronJobs === 'function' && typeof candidate.controlCron === 'function' ? (candidate as CronRuntime) : undefined;
}

function errorInfo(error: unknown): ErrorInfo | undefined {
  if (error === undefined || error === null) return undefined;
  if (typeof error === 'string') return { message: error };
  const e = error as Partial<ErrorInfo>;
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : String(error),
    stack: typeof e.stack === 'string' ? e.stack : undefined,
    file: typeof e.file === 'string' ? e.file : undefined,
    line: typeof e.line === 'number' ? e.line : undefined,
    column: typeof e.column === 'number' ? e.column : undefined
  };
}

function changes(list: unknown): ExportChange[] {
  if (!Array.isArray(list)) return [];
  return list.map((item) => (typeof item === 'string' ? { path: item, kind: '' } : { path: String(item?.path), kind: String(item?.kind ?? '') }));
}

/** A captured event as the overlay receives it: values become bounded previews. */
export function toServerEvent({ n, time, event }: Captured): ServerEvent {
  switch (event.type) {
    case 'call':
      return {
        n,
        time,
        type: 'call',
        connection: event.connection,
        path: event.path,
        id: event.id,
        duration: event.duration,
        ok: event.ok,
        args: preview(event.args),
        result: event.ok ? preview(event.result) : undefined,
        error: errorInfo(event.error),
        bytesIn: event.bytesIn,
        bytesOut: event.ok ? resultSize(event.result) : 0
      };
    case 'publish':
      return { n, time, type: 'publish', topic: event.topic, event: event.event, seq: event.seq, delivered: event.delivered, data: preview(event.data), cause: event.cause };
    case 'subscribe':
    case 'unsubscribe':
    case 'close':
      return { n, time, ...event } as ServerEvent;
    case 'open':
      return { n, time, type: 'open', connection: event.connection, user: preview(event.user), origin: event.origin };
    default: {
      const other = event as { type: string } & Record<string, unknown>;
      if (other.type === 'cron') {
        return {
          n,
          time,
          type: 'cron',
          path: String(other.path),
          topic: String(other.topic),
          start: Number(other.start),
          duration: Number(other.duration),
          ok: other.ok === true,
          manual: other.manual === true,
          result: other.ok === true ? preview(other.result) : undefined,
          error: errorInfo(other.error)
        };
      }
      if (other.type === 'reload') {
        return {
          n,
          time,
          type: 'reload',
          file: String(other.file),
          added: changes(other.added),
          removed: changes(other.removed),
          changed: changes(other.changed),
          duration: Number(other.duration),
          rolledBack: other.rolledBack === true,
          error: errorInfo(other.error)
        };
      }
      return { n, time, type: 'other', kind: String(other.type), data: preview(other) };
    }
  }
}

/** Bytes of a result's value on the wire (devalue, as the protocol sends it; 0 if it cannot be encoded). */
function resultSize(value: unknown): number {
  try {
    return Buffer.byteLength(devalueStringify(value));
  } catch {
    return 0;
  }
}
