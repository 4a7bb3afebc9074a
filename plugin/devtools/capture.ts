/**
 * What the DevTools channel keeps of the runtime's telemetry, and what that may cost.
 *
 * Events are kept by reference in a bounded ring per type (an overlay opened late sees recent
 * history). At most `closedBudget` events are kept per window of `windowMs` with no panel open,
 * `openBudget` with one open: past it the listener detaches until the window ends, so under load
 * the runtime builds no events and what is kept is a sample (`sampledAt` says since when).
 */
import type { Runtime } from '../../runtime/server/runtime.js';
import type { TelemetryEvent, TelemetryEventOf, TelemetryEventType } from '../../runtime/server/telemetry.js';
import { CaptureRing, type Captured } from './capture-ring.js';

export interface CaptureOptions {
  /** Events kept per type. */
  capacity: number;
  /** Length of a budget window. */
  windowMs: number;
  /** Events kept per window while no panel is open. */
  closedBudget: number;
  /** Events kept per window while a panel is open. */
  openBudget: number;
}

export class TelemetryCapture {
  /** Whether a panel is open somewhere: it chooses the budget. */
  panelOpen = false;
  /** When history was last thinned (epoch ms), for the overlay to say so. */
  sampledAt: number | null = null;
  private readonly rings = new Map<TelemetryEventType, CaptureRing>();
  private n = 0;
  private stopListening: (() => void) | undefined;
  /** Events taken in the current window, and the timer that ends it. */
  private windowCount = 0;
  private windowTimer: ReturnType<typeof setTimeout> | undefined;
  /** True while the listener is detached for the rest of a window that spent its budget. */
  private sampling = false;
  /** Events taken since the channel last sent a batch (see `sent`). */
  private unsent = 0;

  /**
   * `wanted` says whether anyone still wants events: a window that ends with sampling on
   * attaches the listener again only then.
   */
  constructor(
    private readonly runtime: () => Runtime,
    private readonly options: CaptureOptions,
    private readonly wanted: () => boolean,
    /**
     * Called when an open panel's unsent events reach half a ring: the channel sends a batch
     * now, before the ring lets go of events the panel has not had (a busy event loop delays
     * the batch timer).
     */
    private readonly pressure: () => void = () => {}
  ) {}

  /** The channel sent what was taken so far. */
  sent(): void {
    this.unsent = 0;
  }

  /** Whether the runtime's telemetry is being listened to. */
  get listening(): boolean {
    return this.stopListening !== undefined;
  }

  /** Attaches the telemetry listener, unless it is attached or sampling holds it off. */
  listen(): void {
    if (!this.stopListening && !this.sampling) this.stopListening = this.runtime().telemetry.listen((event) => this.take(event));
  }

  stop(): void {
    this.stopListening?.();
    this.stopListening = undefined;
  }

  /** A panel opened: it gets a window of its own, with the open budget, so any sampling ends now. */
  newWindow(): void {
    clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    this.windowCount = 0;
    this.sampling = false;
    this.listen();
  }

  /** Stops listening and forgets every kept event. */
  close(): void {
    clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    this.sampling = false;
    this.stop();
    this.rings.clear();
  }

  /** Kept events after `after`, in order. */
  since(after: number): Captured[] {
    const out: Captured[] = [];
    for (const ring of this.rings.values()) {
      for (let back = 0; back < ring.size && ring.nAt(back) > after; back++) out.push(ring.capturedAt(back));
    }
    return out.sort((a, b) => a.n - b.n);
  }

  /** The kept events of one type, newest first. */
  *recent<T extends TelemetryEventType>(type: T): Generator<TelemetryEventOf<T>> {
    const ring = this.rings.get(type);
    for (let back = 0; back < (ring?.size ?? 0); back++) yield ring!.eventAt(back) as TelemetryEventOf<T>;
  }

  private take(event: TelemetryEvent): void {
    if (++this.windowCount === 1) {
      this.windowTimer = setTimeout(this.endWindow, this.options.windowMs);
      this.windowTimer.unref?.();
    } else if (this.windowCount > (this.panelOpen ? this.options.openBudget : this.options.closedBudget)) {
      // Over budget: stop taking events (the runtime then builds none) until the window ends.
      this.sampling = true;
      this.sampledAt = Date.now();
      this.stop();
      return;
    }
    let ring = this.rings.get(event.type);
    if (!ring) this.rings.set(event.type, (ring = new CaptureRing(this.options.capacity)));
    // A call carries its own clock readings: its end needs no clock read of its own.
    const time = event.type === 'call' ? performance.timeOrigin + event.start + event.duration : Date.now();
    ring.push(++this.n, time, event);
    if (this.panelOpen && ++this.unsent >= this.options.capacity >> 1) this.pressure();
  }

  /** Ends a window: the budget starts again, and a paused listener comes back. */
  private readonly endWindow = (): void => {
    this.windowTimer = undefined;
    this.windowCount = 0;
    if (!this.sampling) return;
    this.sampling = false;
    if (this.wanted()) this.listen();
  };
}
