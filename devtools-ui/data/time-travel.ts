/**
 * Time travel over this page's streams. For each topic a store of this page follows, the tap
 * keeps the last snapshot the server sent and the events received after it (bounded); the value
 * at any position is that snapshot folded with the events up to it by the stream's own merge
 * (runtime/merge.ts, as the store folds them).
 *
 * "Rewind this page" sets the topic's stores to the value at a position and holds the topic's
 * next events back (the tap tells the socket not to act on them); "Resume" sets the stores to
 * the fold of everything received, held events included, at the head's position: no event is
 * lost. A new snapshot from the server (after a reconnect) ends a rewind.
 */
import { applyEvent, type Preview, type TappedMessage, type TappedSocket } from 'virtual:svelte-realtime/devtools-wire';

/** Events kept per topic after its snapshot (up to a tenth more, let go of in one step). */
export const TIMELINE_EVENTS = 1000;
const TIMELINE_SLACK = TIMELINE_EVENTS / 10;

type MergeOptions = Extract<TappedMessage, { t: 'snapshot' }>['merge'];
type Position = Extract<TappedMessage, { t: 'snapshot' }>['position'];

export interface TimelineEvent {
  seq: number;
  event: string;
  data: unknown;
  time: number;
}

export interface Timeline {
  topic: string;
  /** The snapshot everything folds from. */
  base: { position: Position; merge: MergeOptions; data: unknown };
  /** Received after the snapshot, oldest first. */
  events: TimelineEvent[];
  /** Events folded away when the list outgrew TIMELINE_EVENTS (the base moved forward). */
  dropped: number;
}

export interface Rewind {
  topic: string;
  /** The position the page's stores show. */
  seq: number;
  /** Events received meanwhile, not yet in the stores. */
  held: number;
}

export class TimeTravel {
  /** Goes up on every change, as the event store's does. */
  version = 0;
  private readonly timelines = new Map<string, Timeline>();
  private readonly rewinds = new Map<string, Rewind>();

  constructor(private readonly sockets: () => readonly TappedSocket[]) {}

  /** The tap's hook: records a topic's snapshot and events; true holds an event back (its topic is rewound). */
  record(message: TappedMessage): boolean {
    if (message.t === 'snapshot') {
      this.timelines.set(message.topic, { topic: message.topic, base: { position: message.position, merge: message.merge, data: message.data }, events: [], dropped: 0 });
      if (this.rewinds.delete(message.topic)) this.version++;
      return false;
    }
    if (message.t !== 'event') return false;
    const timeline = this.timelines.get(message.topic);
    const rewind = this.rewinds.get(message.topic);
    // While rewound every event of the topic is held, replays after a reconnect included
    // (already in the timeline, so not counted again): the store stays at the chosen position.
    if (!timeline || message.seq <= this.head(timeline)) return rewind !== undefined;
    timeline.events.push({ seq: message.seq, event: message.event, data: message.data, time: Date.now() });
    // The oldest are folded into the base a tenth at a time: one step per hundred events, not a
    // shift of the whole list per event (this runs for every event the page receives).
    if (timeline.events.length > TIMELINE_EVENTS + TIMELINE_SLACK) {
      const oldest = timeline.events.splice(0, timeline.events.length - TIMELINE_EVENTS);
      let data = timeline.base.data;
      for (const e of oldest) data = applyEvent(data, e.event, e.data, timeline.base.merge);
      timeline.base = { ...timeline.base, data, position: { ...timeline.base.position, seq: oldest[oldest.length - 1]!.seq } };
      timeline.dropped += oldest.length;
    }
    if (rewind) {
      rewind.held++;
      this.version++;
      return true;
    }
    return false;
  }

  /** The topics with a timeline. */
  topics(): string[] {
    return [...this.timelines.keys()];
  }

  timeline(topic: string): Timeline | undefined {
    return this.timelines.get(topic);
  }

  /** Every position a topic's value can be seen at: its snapshot's, then each event's. */
  positions(topic: string): number[] {
    const timeline = this.timelines.get(topic);
    if (!timeline) return [];
    return [timeline.base.position.seq, ...timeline.events.map((e) => e.seq)];
  }

  /** The value at `seq`: the snapshot folded with the events up to it. */
  valueAt(topic: string, seq: number): unknown {
    const timeline = this.timelines.get(topic);
    if (!timeline) return undefined;
    let value = timeline.base.data;
    for (const e of timeline.events) {
      if (e.seq > seq) break;
      value = applyEvent(value, e.event, e.data, timeline.base.merge);
    }
    return value;
  }

  /** The event that made position `seq`; undefined for the snapshot's. */
  eventAt(topic: string, seq: number): TimelineEvent | undefined {
    return this.timelines.get(topic)?.events.find((e) => e.seq === seq);
  }

  /**
   * The topic's rewind now, as a copy: the overlay's derived values compare by identity, so a
   * count bumped in place on one kept object would never be shown.
   */
  rewound(topic: string): Readonly<Rewind> | undefined {
    const rewind = this.rewinds.get(topic);
    return rewind && { ...rewind };
  }

  /** Sets this page's stores on `topic` to their value at `seq` and holds the topic's next events. */
  rewind(topic: string, seq: number): void {
    const timeline = this.timelines.get(topic);
    if (!timeline) throw new RangeError(`This page holds no store on ${topic}`);
    if (!this.positions(topic).includes(seq)) throw new RangeError(`Position #${seq} of ${topic} is not kept; pick one from ${timeline.base.position.seq} to ${this.head(timeline)}`);
    const held = this.rewinds.get(topic)?.held ?? 0;
    this.rewinds.set(topic, { topic, seq, held });
    this.setStores(topic, seq);
  }

  /** Catches the stores on `topic` up to everything received, held events included. */
  resume(topic: string): void {
    const timeline = this.timelines.get(topic);
    if (!timeline || !this.rewinds.delete(topic)) return;
    this.setStores(topic, this.head(timeline));
  }

  private setStores(topic: string, seq: number): void {
    const timeline = this.timelines.get(topic)!;
    const value = this.valueAt(topic, seq);
    for (const socket of this.sockets()) {
      for (const sink of socket.subscriptions.values()) {
        if (socket.sinkTopics.get(sink) === topic) sink.snapshot(topic, { ...timeline.base.position, seq }, timeline.base.merge, value);
      }
    }
    this.version++;
  }

  private head(timeline: Timeline): number {
    return timeline.events.length > 0 ? timeline.events[timeline.events.length - 1]!.seq : timeline.base.position.seq;
  }
}

/** One difference between two previews: where, and the value on each side (absent on one side: undefined). */
export interface Difference {
  path: string;
  before?: Preview;
  after?: Preview;
}

/** What differs between two previews, by path (`[2].title`), at most `max` differences. */
export function diffPreviews(before: Preview, after: Preview, max = 100): Difference[] {
  const out: Difference[] = [];
  const walk = (a: Preview | undefined, b: Preview | undefined, path: string): void => {
    if (out.length >= max) return;
    if (a && b && a.t === b.t && (a.t === 'array' || a.t === 'object')) {
      if (a.t === 'array' && b.t === 'array') {
        for (let i = 0; i < Math.max(a.items.length, b.items.length); i++) walk(a.items[i], b.items[i], `${path}[${i}]`);
        return;
      }
      if (a.t === 'object' && b.t === 'object') {
        const keys = new Set([...a.entries.map(([k]) => k), ...b.entries.map(([k]) => k)]);
        const av = new Map(a.entries);
        const bv = new Map(b.entries);
        for (const key of keys) walk(av.get(key), bv.get(key), path ? `${path}.${key}` : key);
        return;
      }
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path: path || '(value)', before: a, after: b });
  };
  walk(before, after, '');
  return out;
}
