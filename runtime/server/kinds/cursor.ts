/**
 * Cursors: the latest position per key on a topic, coalesced per topic. However many cursors
 * move, a topic publishes at most one frame per `tick` ms: a `moves` event whose data lists every
 * cursor that moved since the last frame, each at its latest position. The first move after a
 * quiet spell goes out at once (on the next turn of the event loop), so a lone cursor has no
 * added lag; the last position of a burst always goes out, at the end of its tick. The work per
 * frame is one publish, which the topic encodes once and writes once per subscriber: the cost
 * grows with subscribers, not with subscribers x movers.
 *
 * Only an attached key may move (`attach`: a subscription to the cursors, or a send-only
 * subscription); when its last attachment ends the cursor is removed and `leave` is published,
 * so a closed tab never leaves a cursor behind. Used by `live.channel(topic, { merge: 'cursor' })`
 * and by rooms.
 *
 * In a cluster the shown cursors are also kept in Redis (cluster/bus.ts), written once per
 * frame for all the cursors in it, so a subscriber on any instance starts with every instance's
 * cursors; the cursors of an instance that dies leave when its heartbeat expires. While Redis is
 * unreachable each instance lists its own.
 */
import type { ClusterBus } from '../cluster/bus.js';
import { currentCluster } from '../cluster/current.js';
import { LiveError } from '../errors.js';

/**
 * One cursor as subscribers see it. `key` is who moves it: `user:<id>` for a signed-in user
 * (the `id` of what `upgrade` returned), `connection:<connectionId>` for a guest (one per tab).
 * `user` is the mover's public profile, what the room's or channel's `select` returned; absent
 * without `select`.
 */
export type CursorEntry<Position = unknown, Profile = undefined> = {
  key: string;
  data: Position;
} & ([Profile] extends [undefined] ? { user?: undefined } : { user: Profile });

type Publish = (topic: string, event: string, data: unknown) => void;
/** An entry as the server holds it, whatever the profile's type. */
type Entry = { key: string; data: unknown; user?: unknown };

/** Default ms between two frames of one topic: about 60 a second. */
export const DEFAULT_CURSOR_TICK = 16;
/** Default largest cursor position, in characters of its JSON. */
export const DEFAULT_CURSOR_BYTES = 1024;

/** A publish function for cursors of expired instances (any connection's reaches the runtime). */
let expiredPublish: Publish | undefined;
const following = new WeakSet<ClusterBus>();

/** Cursors of expired instances leave, on the instance that found them (registered once per cluster). */
function followExpired(cluster: ClusterBus, publish: Publish): void {
  expiredPublish = publish;
  if (following.has(cluster)) return;
  following.add(cluster);
  cluster.cursors.onExpired(({ topic, entry }) => expiredPublish?.(topic, 'leave', entry));
}

/** Errors of the bus are left out: while Redis is away each instance lists its own cursors. */
const ignore = () => {};

interface Cursor {
  refs: number;
  entry: Entry;
  shown: boolean;
}

/** The cursors of one topic, and the ones that moved since its last frame. */
interface TopicCursors {
  cursors: Map<string, Cursor>;
  moved: Set<Cursor>;
  lastFrame: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  publish: Publish;
}

export interface CursorLimits {
  /** Least ms between two frames of one topic. */
  tick: number;
  /** Largest position, in characters of its JSON. */
  maxBytes: number;
  /** The app's own check of a position (after the size): false refuses it. */
  check?: (position: unknown) => boolean;
}

/** Reads `{ tick, maxBytes }` (and the older `throttle`, now the tick) for `where`'s errors. */
export function cursorLimits(options: { tick?: number; throttle?: number; maxBytes?: number } | undefined, where: string): CursorLimits {
  const tick = options?.tick ?? options?.throttle ?? DEFAULT_CURSOR_TICK;
  if (typeof tick !== 'number' || !Number.isFinite(tick) || tick < 0) throw new TypeError(`${where}: the cursor tick must be a number of ms; got ${tick}`);
  const maxBytes = options?.maxBytes ?? DEFAULT_CURSOR_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new TypeError(`${where}: cursor maxBytes must be a positive integer; got ${maxBytes}`);
  return { tick, maxBytes };
}

export class CursorTracker {
  private readonly topics = new Map<string, TopicCursors>();
  readonly tick: number;
  readonly maxBytes: number;
  private readonly accept: ((position: unknown) => boolean) | undefined;

  constructor(
    limits: CursorLimits | number,
    private readonly now: () => number = Date.now
  ) {
    const resolved = typeof limits === 'number' ? { tick: limits, maxBytes: DEFAULT_CURSOR_BYTES } : limits;
    this.tick = resolved.tick;
    this.maxBytes = resolved.maxBytes;
    this.accept = typeof limits === 'number' ? undefined : limits.check;
  }

  /** An attachment of `key` (shown with `user`, its profile) on `topic`; the returned function ends it. */
  attach(topic: string, key: string, publish: Publish, user?: unknown): () => void {
    let state = this.topics.get(topic);
    if (!state) this.topics.set(topic, (state = { cursors: new Map(), moved: new Set(), lastFrame: -Infinity, timer: undefined, publish }));
    let cursor = state.cursors.get(key);
    if (!cursor) {
      const entry: Entry = { key, data: null };
      if (user !== undefined) entry.user = user;
      state.cursors.set(key, (cursor = { refs: 0, entry, shown: false }));
    }
    cursor.refs++;
    const held = cursor;
    const topicState = state;
    let attached = true;
    const cluster = currentCluster();
    if (cluster) followExpired(cluster, publish);
    return () => {
      if (!attached) return;
      attached = false;
      if (--held.refs > 0) return;
      topicState.moved.delete(held);
      topicState.cursors.delete(key);
      if (topicState.cursors.size === 0) {
        if (topicState.timer) clearTimeout(topicState.timer);
        this.topics.delete(topic);
      }
      if (!held.shown) return;
      publish(topic, 'leave', held.entry);
      currentCluster()?.cursors.remove(topic, key).catch(ignore);
    };
  }

  /**
   * Moves `key`'s cursor to `data`; false when the key is not attached on the topic. Throws
   * BAD_CURSOR for a position that is not plain data, is past `maxBytes` or fails `check`.
   */
  move(topic: string, key: string, data: unknown, publish: Publish): boolean {
    const state = this.topics.get(topic);
    const cursor = state?.cursors.get(key);
    if (!state || !cursor) return false;
    this.check(data);
    // A new object per move: a frame already published keeps the positions it was sent with.
    cursor.entry = cursor.entry.user === undefined ? { key, data } : { key, data, user: cursor.entry.user };
    state.moved.add(cursor);
    state.publish = publish;
    if (!state.timer) {
      const wait = Math.max(0, state.lastFrame + this.tick - this.now());
      state.timer = setTimeout(() => this.flush(topic, state), wait);
      state.timer.unref?.();
    }
    return true;
  }

  /** The shown cursors of a topic (in a cluster, of every instance). */
  list(topic: string): Entry[] | Promise<Entry[]> {
    const cluster = currentCluster();
    if (cluster) return cluster.cursors.list(topic).catch(() => this.listHere(topic));
    return this.listHere(topic);
  }

  /** Topics with at least one attached key (for tests of the clean-up). */
  get size(): number {
    return this.topics.size;
  }

  /** The shown cursors of a topic on this instance. */
  private listHere(topic: string): Entry[] {
    const out: Entry[] = [];
    for (const cursor of this.topics.get(topic)?.cursors.values() ?? []) if (cursor.shown) out.push(cursor.entry);
    return out;
  }

  /** One frame: every cursor that moved since the last one, at its latest position. */
  private flush(topic: string, state: TopicCursors): void {
    state.timer = undefined;
    if (state.moved.size === 0 || this.topics.get(topic) !== state) return;
    // A timer may fire a little early: a frame never follows the last one by less than a tick.
    const early = state.lastFrame + this.tick - this.now();
    if (early > 0) {
      state.timer = setTimeout(() => this.flush(topic, state), early);
      state.timer.unref?.();
      return;
    }
    const entries: Entry[] = [];
    for (const cursor of state.moved) {
      cursor.shown = true;
      entries.push(cursor.entry);
    }
    state.moved.clear();
    state.lastFrame = this.now();
    state.publish(topic, 'moves', entries);
    currentCluster()?.cursors.set(topic, entries).catch(ignore);
  }

  /** A position is plain data (what JSON carries) of at most `maxBytes` characters. */
  private check(data: unknown): void {
    let text: string | undefined;
    try {
      text = JSON.stringify(data);
    } catch {
      text = undefined;
    }
    if (text === undefined) throw new LiveError('BAD_CURSOR', 'A cursor position is plain data: numbers, strings, booleans, null, arrays and objects');
    if (text.length > this.maxBytes) {
      throw new LiveError('BAD_CURSOR', `A cursor position may take at most ${this.maxBytes} characters as JSON; this one takes ${text.length}`);
    }
    if (this.accept && !this.accept(data)) throw new LiveError('BAD_CURSOR', "This cursor position was refused by the room's check");
  }
}
