/**
 * The DevTools channel's server side: the overlays connected to this dev server, what each has
 * been sent, and when to send more. Independent of how messages travel (transport.ts carries
 * them over Vite's dev socket).
 *
 * - Telemetry is listened to only while at least one overlay is connected (and for `lingerMs`
 *   after the last one leaves, so a reloading page misses nothing); with none, the runtime
 *   builds no events at all. What is kept, and within what budget: capture.ts.
 * - Nothing is serialised until a panel is open: then new events are converted (events.ts) and
 *   sent in batches every `batchMs`, with a snapshot of the server (snapshot.ts) every `stateMs`.
 * - Actions that change server state need the per-server secret (actions.ts).
 */
import crypto from 'node:crypto';
import type { Runtime } from '../../runtime/server/runtime.js';
import type { ChannelMessage, OverlayMessage, ServerEvent, ServerState } from '../../runtime/devtools-wire/messages.js';
import { describeValue } from '../../runtime/protocol.js';
import type { Access } from './access.js';
import { DevtoolsActions } from './actions.js';
import { TelemetryCapture } from './capture.js';
import type { Captured } from './capture-ring.js';
import { toServerEvents } from './events.js';
import { RichCounting } from './call-bytes.js';
import { serverState } from './snapshot.js';

export interface OverlayClient {
  send(message: ChannelMessage): void;
}

export interface ChannelOptions {
  /** Events kept per type for overlays opened later. */
  capacity?: number;
  batchMs?: number;
  stateMs?: number;
  /** How long to keep listening after the last overlay left (a page reload reconnects within it). */
  lingerMs?: number;
  /** Events kept per budget window while no panel is open; past it, history is sampled. */
  closedBudget?: number;
  /** Events kept per budget window while a panel is open; past it, what the panel shows is sampled. */
  openBudget?: number;
  /**
   * The budget window, 1 s: long enough that a burst at a dev load (a page catching up, a
   * save that re-runs every store's init) is kept whole, short enough that a flood is cut within it.
   */
  budgetWindowMs?: number;
}

interface OverlayState {
  open: boolean;
  /** Highest `n` this overlay has been sent. */
  sent: number;
}

export class DevtoolsChannel {
  readonly secret: string;
  private readonly overlays = new Map<OverlayClient, OverlayState>();
  private readonly capture: TelemetryCapture;
  /** Rich values whose bytes may still be counted this second (call-bytes.ts). */
  private readonly counting = new RichCounting();
  private readonly actions: DevtoolsActions;
  private readonly batchMs: number;
  private readonly stateMs: number;
  private readonly lingerMs: number;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private batchTimer: ReturnType<typeof setInterval> | undefined;
  private stateTimer: ReturnType<typeof setInterval> | undefined;
  /** Server id: an overlay that sees a new one forgets the old server's event order. */
  private readonly serverId = crypto.randomUUID();

  constructor(
    private readonly runtime: () => Runtime,
    options: ChannelOptions & { secret?: string } = {}
  ) {
    this.secret = options.secret ?? crypto.randomBytes(24).toString('base64url');
    this.batchMs = options.batchMs ?? 100;
    this.stateMs = options.stateMs ?? 1000;
    this.lingerMs = options.lingerMs ?? 3000;
    this.capture = new TelemetryCapture(
      runtime,
      {
        capacity: options.capacity ?? 500,
        windowMs: options.budgetWindowMs ?? 1000,
        // 1000 events a second with no panel open: all of a person clicking through the app, and a
        // sample under load. Each event kept outlives a few collections, so this bounds what an
        // overlay that is not even looked at costs the server.
        closedBudget: options.closedBudget ?? 1000,
        // 10 000 events a second to an open panel: every event of a dev load (2 000 calls a second
        // that each publish is 4 000), more than a person can read, and a bounded cost to a server
        // under a flood (every event kept is built, previewed, encoded and collected).
        openBudget: options.openBudget ?? 10_000
      },
      () => this.overlays.size > 0 || this.lingerTimer !== undefined,
      () => this.flush()
    );
    this.actions = new DevtoolsActions(runtime, this.capture, this.secret);
  }

  /** Whether the runtime's telemetry is being listened to (tests, benchmarks). */
  get listening(): boolean {
    return this.capture.listening;
  }

  /** Handles one message from an overlay; one the transport does not trust gets the refusal only. */
  receive(client: OverlayClient, message: unknown, access: Access): void {
    if (!access.trusted) {
      client.send({ type: 'refused', code: 'FORBIDDEN', message: access.reason });
      return;
    }
    const m = message as OverlayMessage | null;
    if (typeof m !== 'object' || m === null || typeof m.type !== 'string') {
      client.send({ type: 'refused', code: 'MALFORMED', message: 'A DevTools message needs a type' });
      return;
    }
    switch (m.type) {
      case 'hello':
        return this.connect(client, m.open === true);
      case 'open':
      case 'close':
        return this.setOpen(client, m.type === 'open');
      case 'action':
        void this.act(client, m);
        return;
      default:
        client.send({
          type: 'refused',
          code: 'MALFORMED',
          message: `Unknown DevTools message type ${describeValue((m as { type: unknown }).type)}`
        });
    }
  }

  connect(client: OverlayClient, open: boolean): void {
    this.overlays.set(client, { open: false, sent: 0 });
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.capture.listen();
    client.send({ type: 'welcome', server: this.serverId });
    if (open) this.setOpen(client, true);
  }

  setOpen(client: OverlayClient, open: boolean): void {
    const overlay = this.overlays.get(client);
    if (!overlay) return;
    overlay.open = open;
    this.schedule();
    if (open) {
      this.capture.newWindow();
      // Everything kept, then whatever comes next in batches.
      this.sendEvents(client, overlay, this.capture.since(overlay.sent));
      client.send({ type: 'state', state: this.state() });
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
      if (this.overlays.size === 0) this.capture.stop();
    }, this.lingerMs);
    this.lingerTimer.unref?.();
  }

  close(): void {
    this.overlays.clear();
    this.schedule();
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.capture.close();
  }

  /** Sends what is new to open overlays (the batch timer calls it; tests may too). */
  flush(): void {
    this.capture.sent();
    let from = Infinity;
    for (const overlay of this.overlays.values()) if (overlay.open) from = Math.min(from, overlay.sent);
    if (from === Infinity) return;
    const fresh = this.capture.since(from);
    if (fresh.length === 0) return;
    const converted = toServerEvents(fresh, this.counting);
    for (const [client, overlay] of this.overlays) {
      if (!overlay.open) continue;
      const events = overlay.sent === from ? converted : converted.filter((e) => e.n > overlay.sent);
      if (events.length === 0) continue;
      this.send(client, overlay, events);
    }
  }

  /** Connections, topics and cron jobs as they are now. */
  state(): ServerState {
    return serverState(this.runtime(), this.capture.sampledAt);
  }

  private sendEvents(client: OverlayClient, overlay: OverlayState, captured: Captured[]): void {
    if (captured.length > 0) this.send(client, overlay, toServerEvents(captured, this.counting));
  }

  private send(client: OverlayClient, overlay: OverlayState, events: ServerEvent[]): void {
    overlay.sent = events[events.length - 1]!.n;
    client.send({ type: 'events', events });
  }

  /** Runs the timers only while a panel is open, and tells the capture which budget applies. */
  private schedule(): void {
    const anyOpen = (this.capture.panelOpen = [...this.overlays.values()].some((o) => o.open));
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
    const message: ChannelMessage = { type: 'state', state: this.state() };
    for (const [client, overlay] of this.overlays) if (overlay.open) client.send(message);
  }

  private async act(client: OverlayClient, m: Extract<OverlayMessage, { type: 'action' }>): Promise<void> {
    const ref = typeof m.ref === 'number' ? m.ref : 0;
    const refuse = (code: string, message: string) => client.send({ type: 'reply', ref, ok: false, error: { code, message } });
    if (!this.actions.hasSecret(m.secret)) {
      return refuse('FORBIDDEN', 'DevTools actions need the secret of the overlay this dev server served; reload the page if the server restarted');
    }
    if (!this.overlays.has(client)) return refuse('MALFORMED', 'Send hello before actions');
    try {
      const outcome = await this.actions.perform(m);
      client.send({ type: 'reply', ref, ok: true, ...outcome });
      this.flush();
      client.send({ type: 'state', state: this.state() });
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      refuse(typeof e.code === 'string' ? e.code : 'FAILED', typeof e.message === 'string' ? e.message : String(error));
    }
  }
}
