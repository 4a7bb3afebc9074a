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
 *
 * In a cluster (cluster/bus.ts), a topic's position is the cluster's: a publish goes to the bus,
 * which numbers it and hands it back to every instance, and each instance sends it to its own
 * subscribers in seq order, once. A topic this instance has not followed yet learns its
 * position from the bus first; a gap is filled from the bus's history; a topic that moved to
 * a new epoch (its history was lost) tells its subscribers to start again from init. Derived
 * and aggregate topics stay on their instance: each instance computes them from the cluster's
 * events.
 */
import { ErrorCode, type TopicPosition } from '../protocol.js';
import { encodeMessage } from './frames.js';
import type { BatchPayload, BusEvent, TopicBus, TopicReceiver } from './cluster/bus.js';
import { decodePayload, encodePayload, eventFrame } from './cluster/payload.js';
import { RUNTIME_TOPIC_PREFIX } from './topic-names.js';
import type { LiveContext } from './context.js';
import { LiveError } from './errors.js';
import { MAX_BATCH_EVENTS } from './publish-batch.js';

/**
 * Server-side listener for a topic's publishes (effects, derived streams, aggregates). `remote`
 * is true for a publish another instance of the cluster made (it ran that instance's listeners
 * already): an effect skips those, so it runs once per publish.
 */
export type TopicListener = (event: string, data: unknown, topic: string, remote?: boolean) => void;

/** Runs when a topic gains its first subscriber; the function it returns runs when it loses its last. */
export type TopicStarter = () => (() => void) | void;

/** Anything that can receive encoded frames: a connection. */
export interface TopicSubscriber {
  sendEvent(topic: string, frame: string): void;
  /** The events of one batch (`together`), to be sent as one frame; without it, `sendEvent` for each. */
  sendEvents?(events: readonly TopicFrame[]): void;
}

/** An encoded event and the topic it was published on. */
export interface TopicFrame {
  topic: string;
  frame: string;
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
  /** In a cluster: settles once the topic knows its cluster position (or caught up after a gap). */
  syncing: Promise<void> | undefined;
  /** In a cluster: events that arrived while syncing, handled in order once it settles. */
  pending: PendingEvent[];
  /** In a cluster: published here while the bus was away, so its numbers are this instance's own. */
  diverged: boolean;
}

interface PendingEvent {
  epoch: string;
  seq: number;
  payload: string;
}

/** What a subscription starts from: the topic's position, and the events to replay when it resumes. */
export interface Joined {
  position: TopicPosition;
  /** Encoded events after the client's position, or null when it must re-run init. */
  replay: string[] | null;
}

/**
 * The event a topic sends its subscribers when its numbering starts over (a new epoch): its
 * seq leaves a gap, so every client drops its position and re-runs init, never a silent gap.
 */
export const RESYNC_EVENT = '~resync';

/** Topics remembered as published on while the bus was away (see `publishedAway`). */
const MAX_PUBLISHED_AWAY = 10_000;

/** Topics computed on each instance from the cluster's events: never sent to the bus. */
const INSTANCE_TOPICS = [`${RUNTIME_TOPIC_PREFIX}derived:`, `${RUNTIME_TOPIC_PREFIX}aggregate:`];

function staysOnInstance(topic: string): boolean {
  return topic.charCodeAt(0) === 64 && INSTANCE_TOPICS.some((prefix) => topic.startsWith(prefix));
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
  /** The topic's epoch `seq` counts in (absent when the event was not numbered here). */
  epoch?: string;
  /** Connections the event was sent to. */
  delivered: number;
}

let epochCounter = 0;
const epochPrefix = Math.random().toString(36).slice(2, 8);

/** Gives a subscriber a batch's frames: together when it takes them so, else one by one. */
function handOver(subscriber: TopicSubscriber, frames: readonly TopicFrame[]): void {
  if (frames.length > 1 && subscriber.sendEvents) subscriber.sendEvents(frames);
  else for (const { topic, frame } of frames) subscriber.sendEvent(topic, frame);
}

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
  /** The cluster's topics, when this instance is part of one. */
  private cluster: TopicBus | undefined;
  /**
   * Topics published on while the bus was away: the other instances missed those events, so
   * each is restarted on a new epoch for the whole cluster when the bus is back.
   */
  private readonly publishedAway = new Set<string>();
  /** Inside `together`: each subscriber's frames so far, handed over when the batch ends. */
  private gathering: Map<TopicSubscriber, TopicFrame[]> | undefined;
  /** Inside `together`, in a cluster: the batch's events for the bus, sent as one message when it ends. */
  private toBus: (BatchPayload & { event: string; data: unknown })[] | undefined;

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

  /**
   * Sends `event` to the topic's subscribers. A topic nobody follows costs one map look-up. In a
   * cluster the event goes to the bus and reaches subscribers when it comes back numbered (the
   * report then says seq 0); while the bus is away it reaches this instance's subscribers only.
   */
  publish(topic: string, event: string, data: unknown): PublishReport {
    const cluster = this.cluster;
    const report = cluster && !staysOnInstance(topic) ? this.publishToCluster(cluster, topic, event, data) : this.deliver(topic, event, data);
    this.notify(topic, event, data, false);
    return report;
  }

  /**
   * Runs `publishes` (a batch) so that each subscriber receives what they deliver together, in
   * order, as one frame (`sendEvents`). Nested calls join the outer batch. In a cluster the
   * batch goes to the bus as one message, and every instance delivers it the same way.
   */
  together(publishes: () => void): void {
    if (this.gathering) return publishes();
    const gathering = (this.gathering = new Map());
    const toBus = (this.toBus = []);
    try {
      publishes();
    } finally {
      this.gathering = this.toBus = undefined;
      if (toBus.length > 0) this.publishBatchToCluster(toBus);
      for (const [subscriber, frames] of gathering) handOver(subscriber, frames);
    }
  }

  /** Hands `frame` to every subscriber of the topic: now, or at the end of the batch being gathered. */
  private send(state: TopicState, topic: string, frame: string): void {
    const gathering = this.gathering;
    if (!gathering) {
      for (const subscriber of state.subscribers.keys()) subscriber.sendEvent(topic, frame);
      return;
    }
    for (const subscriber of state.subscribers.keys()) {
      const frames = gathering.get(subscriber);
      if (!frames) gathering.set(subscriber, [{ topic, frame }]);
      else if (frames.push({ topic, frame }) === MAX_BATCH_EVENTS) {
        // A function that publishes a great many in one batch: handed on in parts of MAX_BATCH_EVENTS.
        gathering.delete(subscriber);
        handOver(subscriber, frames);
      }
    }
  }

  /** Joins the cluster: from now on, publishes go through `bus` and positions are the cluster's. */
  attachCluster(bus: TopicBus): void {
    this.cluster = bus;
    const receiver: TopicReceiver = {
      receive: (topic, epoch, seq, payload, own) => this.receive(topic, epoch, seq, payload, own),
      resync: () => this.resync(),
      disconnected: () => {},
      together: (receives) => this.together(receives)
    };
    bus.attach(receiver);
    // Topics followed before the cluster was joined take the cluster's position now.
    this.resync();
  }

  /** Leaves the cluster (shutdown): what is published from now on stays on this instance. */
  detachCluster(): void {
    this.cluster = undefined;
  }

  /**
   * Adds a subscriber as `subscribe` does, and says where it starts: the topic's position, and
   * the events after `from` when the client resumes and they are all kept (else null: init).
   * One process answers at once; a cluster may first ask the bus (a topic new to this
   * instance, or history older than this instance's).
   */
  join(topic: string, subscriber: TopicSubscriber, start?: TopicStarter, origin?: TopicOrigin, resumes = true, from?: TopicPosition): Joined | Promise<Joined> {
    if (!this.cluster || staysOnInstance(topic)) {
      const replay = from ? this.eventsSince(topic, from) : null;
      return { position: this.subscribe(topic, subscriber, start, origin, resumes), replay };
    }
    const position = this.subscribe(topic, subscriber, start, origin, resumes);
    const state = this.topics.get(topic)!;
    if (!state.syncing && !from) return { position, replay: null };
    return (state.syncing ?? Promise.resolve()).then(() => this.replayFor(topic, state, from));
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
      // A topic that keeps no history has nothing to resume: it goes with its last subscriber
      // (a closed socket's signal topics would otherwise crowd out the retained topics that do).
      if (state.keepsHistory) this.retain(topic, state);
      else this.drop(topic, state);
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

  /** Delivers a publish on this instance alone (one process, or a cluster whose bus is away). */
  private deliver(topic: string, event: string, data: unknown, diverged = false): PublishReport {
    if (diverged && this.publishedAway.size < MAX_PUBLISHED_AWAY) this.publishedAway.add(topic);
    const state = this.topics.get(topic);
    if (!state) return { seq: 0, delivered: 0 };
    const seq = ++state.seq;
    if (diverged) state.diverged = true;
    const frame = encodeMessage({ t: 'event', topic, seq, event, data });
    if (state.keepsHistory) this.remember(state, seq, frame);
    this.send(state, topic, frame);
    return { seq, delivered: state.subscribers.size, epoch: state.epoch };
  }

  private notify(topic: string, event: string, data: unknown, remote: boolean): void {
    const listeners = this.listeners.get(topic);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      try {
        listener(event, data, topic, remote);
      } catch (error) {
        this.onListenerError(error, topic);
      }
    }
  }

  private publishToCluster(cluster: TopicBus, topic: string, event: string, data: unknown): PublishReport {
    if (!cluster.connected) return this.deliver(topic, event, data, true);
    const payload = encodePayload(event, data);
    if (this.toBus) {
      // Past MAX_BATCH_EVENTS, what was gathered goes to the bus as one message and the batch goes on in another.
      if (this.toBus.push({ topic, payload, event, data }) === MAX_BATCH_EVENTS) this.publishBatchToCluster(this.toBus.splice(0));
      return { seq: 0, delivered: 0 };
    }
    // Lost on the way: this instance's subscribers still get it; the topic starts over with the cluster when the bus is back.
    cluster.publish(topic, payload).catch(() => this.deliver(topic, event, data, true));
    return { seq: 0, delivered: 0 };
  }

  /**
   * A batch's events to the bus as one message. Lost on the way, this instance's subscribers
   * still get them, together; the topics start over with the cluster when the bus is back.
   */
  private publishBatchToCluster(events: readonly (BatchPayload & { event: string; data: unknown })[]): void {
    const cluster = this.cluster!;
    const sent = events.length === 1 ? cluster.publish(events[0]!.topic, events[0]!.payload) : cluster.publishBatch(events);
    sent.catch(() =>
      this.together(() => {
        for (const { topic, event, data } of events) this.deliver(topic, event, data, true);
      })
    );
  }

  /** An event from the bus, published on any instance. */
  private receive(topic: string, epoch: string, seq: number, payload: string, own: boolean): void {
    if (!own && seq > 0 && this.listeners.has(topic)) {
      const [event, data] = decodePayload(payload);
      this.notify(topic, event, data, true);
    }
    const state = this.topics.get(topic);
    if (state) this.advance(topic, state, { epoch, seq, payload });
  }

  /** Takes a topic's next event from the bus: in order, once; a gap is filled first, a new epoch restarts the topic. */
  private advance(topic: string, state: TopicState, event: PendingEvent): void {
    if (state.syncing) {
      state.pending.push(event);
      return;
    }
    if (event.seq === 0) {
      // A restart announced by the bus: a new epoch and no event.
      if (event.epoch !== state.epoch || state.diverged) this.restartEpoch(topic, state, { epoch: event.epoch, seq: 0 });
      return;
    }
    if (state.diverged || event.epoch !== state.epoch) {
      this.restartEpoch(topic, state, { epoch: event.epoch, seq: event.seq - 1 });
    } else if (event.seq <= state.seq) {
      return;
    } else if (event.seq > state.seq + 1) {
      state.pending.push(event);
      this.sync(topic, state, true);
      return;
    }
    this.deliverFromBus(topic, state, event.seq, event.payload);
  }

  private deliverFromBus(topic: string, state: TopicState, seq: number, payload: string): void {
    state.seq = seq;
    if (state.subscribers.size === 0 && !state.keepsHistory) return;
    const frame = eventFrame(topic, seq, payload);
    if (state.keepsHistory) this.remember(state, seq, frame);
    this.send(state, topic, frame);
  }

  /**
   * Learns the topic's cluster position (`fill`: and the events missed since its own), then
   * handles what arrived meanwhile. With the bus away the topic goes on as this instance's.
   */
  private sync(topic: string, state: TopicState, fill: boolean): void {
    const cluster = this.cluster;
    if (!cluster || state.syncing) return;
    const after = fill && !state.diverged ? state.seq : undefined;
    state.syncing = cluster.read(topic, after).then(
      (read) => {
        state.syncing = undefined;
        if (after === undefined || read.position.epoch !== state.epoch || !read.events) {
          this.restartEpoch(topic, state, read.position);
        } else {
          for (const event of read.events) if (event.seq > state.seq) this.deliverFromBus(topic, state, event.seq, event.payload);
        }
        this.drainPending(topic, state);
      },
      () => {
        state.syncing = undefined;
        state.diverged = true;
        state.pending = [];
      }
    );
  }

  private drainPending(topic: string, state: TopicState): void {
    const pending = state.pending;
    state.pending = [];
    pending.sort((a, b) => a.seq - b.seq);
    for (const event of pending) {
      if (state.syncing) state.pending.push(event);
      else this.advance(topic, state, event);
    }
  }

  /**
   * The topic's numbering starts over at `position` (a new epoch, or the cluster's after this
   * instance went on alone): subscribers are told to re-run init, the history is forgotten.
   */
  private restartEpoch(topic: string, state: TopicState, position: TopicPosition): void {
    if (state.epoch === position.epoch && state.seq === position.seq && !state.diverged) return;
    if (state.subscribers.size > 0 && state.seq > 0) {
      const marker = encodeMessage({ t: 'event', topic, seq: state.seq + 2, event: RESYNC_EVENT, data: null });
      for (const subscriber of state.subscribers.keys()) subscriber.sendEvent(topic, marker);
    }
    this.forgetHistory(state);
    state.epoch = position.epoch;
    state.seq = position.seq;
    state.historyFloor = position.seq;
    state.diverged = false;
  }

  /**
   * The bus is back: topics published on meanwhile start over on every instance; every followed
   * topic catches up (or starts over); the others are forgotten.
   */
  private resync(): void {
    const cluster = this.cluster;
    if (!cluster) return;
    for (const topic of this.publishedAway) {
      cluster.restart(topic).catch(() => {
        // Away again: tried once more at the next reconnection.
        if (this.publishedAway.size < MAX_PUBLISHED_AWAY) this.publishedAway.add(topic);
      });
    }
    this.publishedAway.clear();
    for (const [topic, state] of this.topics) {
      if (state.subscribers.size === 0) {
        if (state.retainTimer) clearTimeout(state.retainTimer);
        this.retained.delete(topic);
        this.topics.delete(topic);
        this.bytes -= state.bytes;
        continue;
      }
      this.sync(topic, state, true);
    }
  }

  /** A joining subscription's start, once the topic knows its cluster position. */
  private async replayFor(topic: string, state: TopicState, from: TopicPosition | undefined): Promise<Joined> {
    const position = { epoch: state.epoch, seq: state.seq };
    if (!from || state.diverged || from.epoch !== state.epoch || from.seq > state.seq) return { position, replay: null };
    const local = this.eventsSince(topic, from);
    if (local) return { position, replay: local };
    let events: BusEvent[] | null = null;
    try {
      const read = await this.cluster!.read(topic, from.seq, position.seq);
      if (read.position.epoch === position.epoch) events = read.events;
    } catch {
      events = null;
    }
    const replay = events?.map((event) => eventFrame(topic, event.seq, event.payload));
    return { position, replay: replay ?? null };
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
      origin: undefined,
      syncing: undefined,
      pending: [],
      diverged: false
    };
    this.topics.set(topic, state);
    this.bytes += topic.length;
    // In a cluster the topic's position is the cluster's: asked for before anything is sent.
    if (this.cluster && !staysOnInstance(topic)) this.sync(topic, state, false);
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
