/**
 * The DevTools channel's history of one event kind: the last `capacity` telemetry events, each
 * with its sequence number and time. Numbers live in typed arrays beside the events, so taking
 * an event allocates nothing (the channel takes every call while an overlay is connected, its
 * panel open or not).
 */
import type { TelemetryEvent } from '../../runtime/server/telemetry.js';

/** One kept event, as the channel sends it on. */
export interface Captured {
  n: number;
  /** Epoch ms. */
  time: number;
  event: TelemetryEvent;
}

export class CaptureRing {
  private readonly events: (TelemetryEvent | undefined)[];
  private readonly ns: Float64Array;
  private readonly times: Float64Array;
  /** The slot the next event goes to. */
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer; got ${capacity}`);
    this.events = new Array(capacity);
    this.ns = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Keeps `event`, dropping the oldest when full. */
  push(n: number, time: number, event: TelemetryEvent): void {
    const slot = this.next;
    this.events[slot] = event;
    this.ns[slot] = n;
    this.times[slot] = time;
    this.next = slot + 1 === this.capacity ? 0 : slot + 1;
    if (this.count < this.capacity) this.count++;
  }

  /** Sequence number of the event `back` places before the newest (0 is the newest). */
  nAt(back: number): number {
    return this.ns[this.slot(back)]!;
  }

  eventAt(back: number): TelemetryEvent {
    return this.events[this.slot(back)]!;
  }

  capturedAt(back: number): Captured {
    const slot = this.slot(back);
    return { n: this.ns[slot]!, time: this.times[slot]!, event: this.events[slot]! };
  }

  private slot(back: number): number {
    if (back < 0 || back >= this.count) throw new RangeError(`no event ${back} back; ${this.count} kept`);
    return (this.next - 1 - back + this.capacity) % this.capacity;
  }
}
