/**
 * Topic pub/sub with a sequence number per topic.
 *
 * A topic exists while it has subscribers, and for `retainMs` after the last one leaves, so a
 * client that reconnects can resume from its last sequence number. Each publish is encoded
 * once and the same frame goes to every subscribed connection.
 *
 * What clients can make the server keep is bounded in count and in bytes:
 * - a topic name is at most `maxTopicLength` characters (a dynamic topic is computed from a
 *   client's arguments);
 * - at most `maxRetained` topics are kept without subscribers (the oldest go first);
 * - names and history together stay under `maxRetainedBytes`: past it, retained topics go
 *   first (oldest first), then the history of the topics that hold the most. A client whose
 *   events were let go re-runs its stream's init, as after any gap: never a silent one;
 * - topics only non-resuming kinds follow (channels, presence) keep no history at all.
 */
import { ErrorCode, type TopicPosition } from '../protocol.js';
import { encodeMessage } from './frames.js';
import type { LiveContext } from './context.js';
import { LiveError } from './errors.js';

/** Server-side listener for a topic's publishes (effects, derived streams, aggregates). */
export type TopicListener = (event: string, data: unknown, topic: string) => void;

/** Runs when a topic gains its first subscriber; the function it returns runs when it loses its last. */
export type TopicStarter = () => (() => void) | void;

/** Anything that can receive encoded frames: a connection. */
export interface TopicSubscriber {
  sendEvent(topic: string, frame: string): void;
}

interface TopicState {
  epoch: string;
  seq: number;
  /** Ring buffer of the last `historySize` encoded events, oldest first once full. */
  history: (string | undefined)[];
  /** Events up to this sequence number are not in `history` (let go under the byte budget). */
  historyFloor: number;
  /** Whether a resuming kind follows the topic: only then are its events kept for replay. */
  keepsHistory: boolean;
  /** Characters of the name and of the events in `history`, counted in the byte budget. */
  bytes: number;
  subscribers: Map<TopicSubscriber, number>;
  retainTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the first subscriber's `TopicStarter` returned; runs when the last one leaves. */
  stop: (() => void) | undefined;
  /** Who started the topic's upstream work (handler path, context, arguments), for a restart. */
  origin: TopicOrigin | undefined;
}

/** What started a topic: the handler's `module/export` path and its first subscriber's ctx and args. */
export interface TopicOrigin {
  readonly path: string;
  readonly ctx: LiveContext;
  readonly args: readonly unknown[];
}

export interface TopicsOptions {
  historySize?: number;
  retainMs?: number;
  /** Topics kept without subscribers at once; past it the longest-retained is dropped. Default 10 000. */
  maxRetained?: number;
  /** Longest topic name a subscription may use, in characters. Default 512. */
  maxTopicLength?: number;
  /** Characters of topic names and retained events kept at once, over all topics. Default 32 Mi. */
  maxRetainedBytes?: number;
  /** Where errors thrown by server-side listeners go (they never reach the publisher). */
  onListenerError?: (error: unknown, topic: string) => void;
}

export interface PublishReport {
  seq: number;
  /** Connections the event was sent to. */
  delivered: number;
}

let epochCounter = 0;
const epochPrefix = Math.random().toString(36).slice(2, 8);

export class Topics {
  private readonly topics = new Map<string, TopicState>();
  private readonly historySize: number;
  private readonly retainMs: number;
  private readonly maxRetained: number;
  private readonly maxTopicLength: number;
  private readonly maxRetainedBytes: number;
  /** Characters held by every topic's name and history (see `maxRetainedBytes`). */
  private bytes = 0;
  /** Topics without subscribers, oldest first (a Set keeps insertion order). */
  private readonly retained = new Set<string>();
  private readonly listeners = new Map<string, Set<TopicListener>>();
  private readonly onListenerError: (error: unknown, topic: string) => void;

  constructor(options: TopicsOptions = {}) {
    this.historySize = options.historySize ?? 256;
    this.retainMs = options.retainMs ?? 60_000;
    this.maxRetained = options.maxRetained ?? 10_000;
    this.maxTopicLength = options.maxTopicLength ?? 512;
    this.maxRetainedBytes = options.maxRetainedBytes ?? 32 * 1024 * 1024;
    this.onListenerError = options.onListenerError ?? ((error, topic) => console.error(`[svelte-realtime] listener of ${topic}:`, error));
  }

  /**
   * Calls `listener` after every publish on `topic`, whether or not a client follows it.
   * Returns the function that removes it.
   */
  listen(topic: string, listener: TopicListener): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      const current = this.listeners.get(topic);
      if (!current?.delete(listener)) return;
      if (current.size === 0) this.listeners.delete(topic);
    };
  }

  /** Sends `event` to the topic's subscribers. A topic nobody follows costs one map look-up. */
  publish(topic: string, event: string, data: unknown): PublishReport {
    const state = this.topics.get(topic);
    let report: PublishReport = { seq: 0, delivered: 0 };
    if (state) {
      const seq = ++state.seq;
      const frame = encodeMessage({ t: 'event', topic, seq, event, data });
      if (state.keepsHistory) this.remember(state, seq, frame);
      for (const subscriber of state.subscribers.keys()) subscriber.sendEvent(topic, frame);
      report = { seq, delivered: state.subscribers.size };
    }
    const listeners = this.listeners.get(topic);
    if (listeners) {
      for (const listener of [...listeners]) {
        try {
          listener(event, data, topic);
        } catch (error) {
          this.onListenerError(error, topic);
        }
      }
    }
    return report;
  }

  /**
   * Adds a subscriber (counted, so one connection may follow a topic from several stores).
   * When this is the topic's first subscriber, `start` runs first; if it throws, nothing is
   * added and the error is thrown. What it returns runs when the last subscriber leaves.
   * `resumes: false` (channels, presence) keeps no history for this subscriber's sake.
   * A name over `maxTopicLength` is refused with LIMIT.
   */
  subscribe(topic: string, subscriber: TopicSubscriber, start?: TopicStarter, origin?: TopicOrigin, resumes = true): TopicPosition {
    this.checkName(topic);
    let state = this.topics.get(topic);
    const created = !state;
    state ??= this.create(topic);
    if (state.subscribers.size === 0 && start) {
      try {
        state.stop = start() ?? undefined;
        state.origin = origin;
      } catch (error) {
        // A topic that was retained keeps its retention timer; a new one is dropped again.
        if (created) this.topics.delete(topic);
        throw error;
      }
    }
    if (state.retainTimer) {
      clearTimeout(state.retainTimer);
      state.retainTimer = undefined;
      this.retained.delete(topic);
    }
    if (resumes && !state.keepsHistory) {
      // History starts now: nothing before this point can be replayed.
      state.keepsHistory = true;
      state.historyFloor = state.seq;
    }
    state.subscribers.set(subscriber, (state.subscribers.get(subscriber) ?? 0) + 1);
    return { epoch: state.epoch, seq: state.seq };
  }

  /** Topics whose upstream work a handler started and that still have subscribers. */
  started(): [topic: string, origin: TopicOrigin][] {
    const list: [string, TopicOrigin][] = [];
    for (const [topic, state] of this.topics) if (state.origin && state.subscribers.size > 0) list.push([topic, state.origin]);
    return list;
  }

  /**
   * Stops a topic's upstream work and starts it again with `start` (a reload replaced the
   * handler that started it); its subscribers stay. A `start` that throws is reported and
   * leaves the topic without upstream work.
   */
  restart(topic: string, start: TopicStarter | undefined): void {
    const state = this.topics.get(topic);
    if (!state) return;
    const origin = state.origin;
    this.stop(topic, state);
    if (!start) return;
    try {
      state.stop = start() ?? undefined;
      state.origin = origin;
    } catch (error) {
      this.onListenerError(error, topic);
    }
  }

  /**
   * The topic's current position, for a page rendered on the server: a topic nobody follows is
   * created (or its retention restarted) and kept for `retainMs`, so the page's subscription can
   * resume from this position and receive what was published since.
   */
  position(topic: string): TopicPosition {
    this.checkName(topic);
    const state = this.topics.get(topic) ?? this.create(topic);
    if (!state.keepsHistory) {
      state.keepsHistory = true;
      state.historyFloor = state.seq;
    }
    if (state.subscribers.size === 0) this.retain(topic, state);
    return { epoch: state.epoch, seq: state.seq };
  }

  unsubscribe(topic: string, subscriber: TopicSubscriber): void {
    const state = this.topics.get(topic);
    const count = state?.subscribers.get(subscriber);
    if (!state || count === undefined) return;
    if (count > 1) state.subscribers.set(subscriber, count - 1);
    else state.subscribers.delete(subscriber);
    if (state.subscribers.size === 0) {
      this.stop(topic, state);
      this.retain(topic, state);
    }
  }

  /**
   * The encoded events after `from`, or null when they cannot all be replayed (another epoch,
   * or more missed than the history holds): the caller then re-runs the stream's init.
   */
  eventsSince(topic: string, from: TopicPosition): string[] | null {
    const state = this.topics.get(topic);
    if (!state || state.epoch !== from.epoch || from.seq > state.seq) return null;
    const missed = state.seq - from.seq;
    if (missed > this.historySize || from.seq < state.historyFloor) return null;
    const frames: string[] = [];
    for (let seq = from.seq + 1; seq <= state.seq; seq++) frames.push(state.history[seq % this.historySize]!);
    return frames;
  }

  /** Server-side listeners of `topic` (DevTools and tests: a derived stream nobody watches has none). */
  listenerCount(topic: string): number {
    return this.listeners.get(topic)?.size ?? 0;
  }

  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.subscribers.size ?? 0;
  }

  /** Characters held by topic names and retained events (tests and DevTools). */
  retainedBytes(): number {
    return this.bytes;
  }

  /** Every live topic with its position and subscriber count (for DevTools and tests). */
  list(): { topic: string; seq: number; subscribers: number }[] {
    return [...this.topics].map(([topic, s]) => ({ topic, seq: s.seq, subscribers: s.subscribers.size }));
  }

  /** Stops retention timers (server shutdown). */
  close(): void {
    for (const [topic, state] of this.topics) {
      if (state.retainTimer) clearTimeout(state.retainTimer);
      this.stop(topic, state);
    }
    this.topics.clear();
    this.retained.clear();
    this.listeners.clear();
    this.bytes = 0;
  }

  private checkName(topic: string): void {
    if (topic.length > this.maxTopicLength) {
      throw new LiveError(ErrorCode.LIMIT, `Topic names are limited to ${this.maxTopicLength} characters; this one has ${topic.length}`);
    }
  }

  /** Keeps `frame` for replay, within the history size and the byte budget. */
  private remember(state: TopicState, seq: number, frame: string): void {
    const slot = seq % this.historySize;
    const replaced = state.history[slot];
    const grown = frame.length - (replaced === undefined ? 0 : replaced.length);
    state.history[slot] = frame;
    state.bytes += grown;
    this.bytes += grown;
    if (this.bytes > this.maxRetainedBytes) this.shed();
  }

  /**
   * Brings what topics hold back under `maxRetainedBytes`: retained topics go first (oldest
   * first), then the history of the topics holding the most. Clients that would have resumed
   * from let-go events re-run their stream's init instead.
   */
  private shed(): void {
    for (const topic of this.retained) {
      if (this.bytes <= this.maxRetainedBytes) return;
      this.drop(topic, this.topics.get(topic));
    }
    if (this.bytes <= this.maxRetainedBytes) return;
    const heaviest = [...this.topics.values()].sort((a, b) => b.bytes - a.bytes);
    for (const state of heaviest) {
      if (this.bytes <= this.maxRetainedBytes) return;
      this.forgetHistory(state);
    }
  }

  private forgetHistory(state: TopicState): void {
    let held = 0;
    for (const frame of state.history) if (frame !== undefined) held += frame.length;
    state.history = [];
    state.historyFloor = state.seq;
    state.bytes -= held;
    this.bytes -= held;
  }

  private stop(topic: string, state: TopicState): void {
    const stop = state.stop;
    state.stop = undefined;
    state.origin = undefined;
    if (!stop) return;
    try {
      stop();
    } catch (error) {
      this.onListenerError(error, topic);
    }
  }

  /** A new topic with a fresh epoch: positions from any earlier life of the topic cannot resume. */
  private create(topic: string): TopicState {
    const state: TopicState = {
      epoch: `${epochPrefix}${(++epochCounter).toString(36)}`,
      seq: 0,
      // Grows with the first publishes: a topic that never gets an event costs no history.
      history: [],
      historyFloor: 0,
      keepsHistory: false,
      bytes: topic.length,
      subscribers: new Map(),
      retainTimer: undefined,
      stop: undefined,
      origin: undefined
    };
    this.topics.set(topic, state);
    this.bytes += topic.length;
    return state;
  }

  private retain(topic: string, state: TopicState): void {
    if (state.retainTimer) clearTimeout(state.retainTimer);
    state.retainTimer = setTimeout(() => this.drop(topic, state), this.retainMs);
    state.retainTimer.unref?.();
    this.retained.delete(topic);
    this.retained.add(topic);
    if (this.retained.size > this.maxRetained) {
      const oldest = this.retained.values().next().value!;
      this.drop(oldest, this.topics.get(oldest));
    }
  }

  /** Ends a topic's retention: forgotten unless a subscriber came back meanwhile. */
  private drop(topic: string, state: TopicState | undefined): void {
    this.retained.delete(topic);
    if (!state || state.subscribers.size > 0 || this.topics.get(topic) !== state) return;
    if (state.retainTimer) clearTimeout(state.retainTimer);
    this.topics.delete(topic);
    this.bytes -= state.bytes;
  }

}
