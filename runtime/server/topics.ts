/**
 * Topic pub/sub with a sequence number per topic.
 *
 * A topic exists while it has subscribers, and for `retainMs` after the last one leaves, so a
 * client that reconnects can resume from its last sequence number. Each publish is encoded
 * once and the same frame goes to every subscribed connection.
 */
import { encodeMessage, type TopicPosition } from '../protocol.js';

/** Anything that can receive encoded frames: a connection. */
export interface TopicSubscriber {
  sendEvent(topic: string, frame: string): void;
}

interface TopicState {
  epoch: string;
  seq: number;
  /** Ring buffer of the last `historySize` encoded events, oldest first once full. */
  history: (string | undefined)[];
  subscribers: Map<TopicSubscriber, number>;
  retainTimer: ReturnType<typeof setTimeout> | undefined;
}

export interface TopicsOptions {
  historySize?: number;
  retainMs?: number;
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

  constructor(options: TopicsOptions = {}) {
    this.historySize = options.historySize ?? 256;
    this.retainMs = options.retainMs ?? 60_000;
  }

  /** Sends `event` to the topic's subscribers. A topic nobody follows costs one map look-up. */
  publish(topic: string, event: string, data: unknown): PublishReport {
    const state = this.topics.get(topic);
    if (!state) return { seq: 0, delivered: 0 };
    const seq = ++state.seq;
    const frame = encodeMessage({ t: 'event', topic, seq, event, data });
    state.history[seq % this.historySize] = frame;
    for (const subscriber of state.subscribers.keys()) subscriber.sendEvent(topic, frame);
    return { seq, delivered: state.subscribers.size };
  }

  /** Adds a subscriber (counted, so one connection may follow a topic from several stores). */
  subscribe(topic: string, subscriber: TopicSubscriber): TopicPosition {
    let state = this.topics.get(topic);
    if (!state) {
      state = {
        epoch: `${epochPrefix}${(++epochCounter).toString(36)}`,
        seq: 0,
        history: new Array(this.historySize),
        subscribers: new Map(),
        retainTimer: undefined
      };
      this.topics.set(topic, state);
    }
    if (state.retainTimer) {
      clearTimeout(state.retainTimer);
      state.retainTimer = undefined;
    }
    state.subscribers.set(subscriber, (state.subscribers.get(subscriber) ?? 0) + 1);
    return { epoch: state.epoch, seq: state.seq };
  }

  unsubscribe(topic: string, subscriber: TopicSubscriber): void {
    const state = this.topics.get(topic);
    const count = state?.subscribers.get(subscriber);
    if (!state || count === undefined) return;
    if (count > 1) state.subscribers.set(subscriber, count - 1);
    else state.subscribers.delete(subscriber);
    if (state.subscribers.size === 0) this.retain(topic, state);
  }

  /**
   * The encoded events after `from`, or null when they cannot all be replayed (another epoch,
   * or more missed than the history holds): the caller then re-runs the stream's init.
   */
  eventsSince(topic: string, from: TopicPosition): string[] | null {
    const state = this.topics.get(topic);
    if (!state || state.epoch !== from.epoch || from.seq > state.seq) return null;
    const missed = state.seq - from.seq;
    if (missed > this.historySize) return null;
    const frames: string[] = [];
    for (let seq = from.seq + 1; seq <= state.seq; seq++) frames.push(state.history[seq % this.historySize]!);
    return frames;
  }

  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.subscribers.size ?? 0;
  }

  /** Every live topic with its position and subscriber count (for DevTools and tests). */
  list(): { topic: string; seq: number; subscribers: number }[] {
    return [...this.topics].map(([topic, s]) => ({ topic, seq: s.seq, subscribers: s.subscribers.size }));
  }

  /** Stops retention timers (server shutdown). */
  close(): void {
    for (const state of this.topics.values()) if (state.retainTimer) clearTimeout(state.retainTimer);
    this.topics.clear();
  }

  private retain(topic: string, state: TopicState): void {
    state.retainTimer = setTimeout(() => {
      if (state.subscribers.size === 0 && this.topics.get(topic) === state) this.topics.delete(topic);
    }, this.retainMs);
    state.retainTimer.unref?.();
  }
}
