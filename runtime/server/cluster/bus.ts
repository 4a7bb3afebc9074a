/**
 * The bus: what several instances of one app must agree on, behind one interface.
 *
 * - topics: a publish gets a cluster-wide position (epoch, seq) and reaches every instance in
 *   that order; an instance reads a topic's position and the events after a sequence number
 *   (to resume a client that moved, or to fill a gap);
 * - presence: who is present on a topic, counted once per member over every instance, with
 *   each instance's entries expiring when it stops sending heartbeats; cursors likewise;
 * - leases: one holder per name (a cron job's tick);
 * - counters: rate-limit windows shared by every instance.
 *
 * The in-process implementation is the runtime's own state (topics.ts, PresenceTracker,
 * SlidingWindow; a lease is always granted): it is what runs when no cluster is configured,
 * at the speed it always had. The Redis implementation (redis-bus.ts) runs when
 * `REALTIME_REDIS_URL` is set. The kinds ask `currentCluster()` (current.ts) which one to use.
 */
import type { TopicPosition } from '../../protocol.js';

/** One event as the bus carries it: its position and its `[event, data]` encoded with devalue. */
export interface BusEvent {
  seq: number;
  payload: string;
}

/** A topic's cluster position and, when asked, the events after a sequence number. */
export interface TopicRead {
  position: TopicPosition;
  /** The events `(after, upTo]` in order, or null when some of them are no longer kept. */
  events: BusEvent[] | null;
}

/** What a clustered Topics receives from the bus. */
export interface TopicReceiver {
  /** An event published on any instance (`own` when this instance published it). */
  receive(topic: string, epoch: string, seq: number, payload: string, own: boolean): void;
  /** The bus reconnected: every topic may have missed events, or moved to a new epoch. */
  resync(): void;
  /** The bus lost its connection: publishes stay on this instance until `resync`. */
  disconnected(): void;
  /** Runs the `receive`s of one batch so each subscriber gets their events in one frame. */
  together(receives: () => void): void;
}

/** One event of a batch on its way to the bus. */
export interface BatchPayload {
  topic: string;
  payload: string;
}

export interface TopicBus {
  /** True while publishes can reach the cluster. */
  readonly connected: boolean;
  /** Publishes `payload` on `topic`; it comes back to every instance through `receive`. */
  publish(topic: string, payload: string): Promise<void>;
  /**
   * Publishes a batch (ctx.batch) as one message: each event numbered on its topic, and every
   * instance receives them together (`TopicReceiver.together`).
   */
  publishBatch(events: readonly BatchPayload[]): Promise<void>;
  /**
   * Moves the topic to a new epoch on every instance (announced as an event with seq 0), so all
   * its subscribers re-run init: for a topic this instance published on while the bus was away.
   */
  restart(topic: string): Promise<void>;
  /** The topic's position, and the events `(after, upTo]` when `after` is given. */
  read(topic: string, after?: number, upTo?: number): Promise<TopicRead>;
  /** Where events and reconnections go. */
  attach(receiver: TopicReceiver): void;
}

/** A member who left the whole cluster, as a presence leave or an expired instance reports it. */
export interface PresenceGone {
  topic: string;
  key: string;
  data: unknown;
  /** `module/export` of the presence handler the member joined through. */
  owner: string;
  /** The subscription's arguments (a room's id). */
  args: unknown[];
}

export interface PresenceBus {
  /** This instance holds `key` on `topic` now; true when no instance held it before. */
  join(topic: string, key: string, data: unknown, owner: string, args: readonly unknown[]): Promise<boolean>;
  /** This instance no longer holds `key`; the member's data when no instance holds it any more. */
  leave(topic: string, key: string): Promise<{ data: unknown } | undefined>;
  /** Everyone present on `topic`, over every instance. */
  list(topic: string): Promise<unknown[]>;
  /** Where members of expired instances go (once, on the instance that found them). */
  onExpired(listener: (gone: PresenceGone) => void): void;
}

/** A cursor shown on a topic, as the bus keeps it: its entry as subscribers see it. */
export interface CursorShown {
  topic: string;
  entry: { key: string; data: unknown; user?: unknown };
}

export interface CursorBus {
  /** The cursors of one frame on `topic` are at these entries (shown by this instance): one round trip for all. */
  set(topic: string, entries: readonly CursorShown['entry'][]): Promise<void>;
  /** `key`'s cursor left `topic` on this instance. */
  remove(topic: string, key: string): Promise<void>;
  /** Every cursor shown on `topic`, over every instance. */
  list(topic: string): Promise<CursorShown['entry'][]>;
  /** Where cursors of expired instances go (once, on the instance that found them). */
  onExpired(listener: (gone: CursorShown) => void): void;
}

export interface LeaseBus {
  /** Takes the lease `name` for `ttlMs` unless another holder has it; true when taken. */
  take(name: string, ttlMs: number): Promise<boolean>;
  /** Gives back every lease this instance holds (shutdown): others take the next tick. */
  releaseAll(): Promise<void>;
}

export interface CounterBus {
  /** Records a call for `key` in a sliding window; 0 when it fits, else the ms until one would. */
  take(key: string, points: number, windowMs: number): Promise<number>;
}

/** The cluster: every part of the bus, from one Redis. */
export interface ClusterBus {
  /** This instance's id in the cluster. */
  readonly instance: string;
  readonly topics: TopicBus;
  readonly presence: PresenceBus;
  readonly cursors: CursorBus;
  readonly leases: LeaseBus;
  readonly counters: CounterBus;
  /** Leaves the cluster: releases leases, removes this instance's presence, closes connections. */
  close(): Promise<void>;
}
