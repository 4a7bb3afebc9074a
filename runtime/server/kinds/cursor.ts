/**
 * Cursors: the latest position per key on a topic, sent at most once per `throttle` ms per
 * key (the last position of a burst is always sent, at the end of its window).
 *
 * Only a key with a subscription on the topic may move (`attach` when it subscribes); when its
 * last subscription ends the cursor is removed and `leave` is published, so a closed tab never
 * leaves a cursor behind. Used by `live.channel(topic, { merge: 'cursor' })` and by rooms.
 *
 * In a cluster the shown cursors are also kept in Redis (cluster/bus.ts), so a subscriber on any
 * instance starts with every instance's cursors; the cursors of an instance that dies leave when
 * its heartbeat expires. While Redis is unreachable each instance lists its own.
 */
import type { ClusterBus } from '../cluster/bus.js';
import { currentCluster } from '../cluster/current.js';

/** One cursor as subscribers see it. */
export interface CursorEntry<P = unknown> {
  key: string;
  data: P;
}

type Publish = (topic: string, event: string, data: unknown) => void;

/** A publish function for cursors of expired instances (any connection's reaches the runtime). */
let expiredPublish: Publish | undefined;
const following = new WeakSet<ClusterBus>();

/** Cursors of expired instances leave, on the instance that found them (registered once per cluster). */
function followExpired(cluster: ClusterBus, publish: Publish): void {
  expiredPublish = publish;
  if (following.has(cluster)) return;
  following.add(cluster);
  cluster.cursors.onExpired(({ topic, key, data }) => expiredPublish?.(topic, 'leave', { key, data } satisfies CursorEntry));
}

/** Errors of the bus are left out: while Redis is away each instance lists its own cursors. */
const ignore = () => {};

interface Cursor {
  refs: number;
  data: unknown;
  shown: boolean;
  lastSent: number;
  pending: { data: unknown; publish: Publish } | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class CursorTracker {
  private readonly topics = new Map<string, Map<string, Cursor>>();

  constructor(
    readonly throttle: number,
    private readonly now: () => number = Date.now
  ) {}

  /** A subscription of `key` on `topic`; the returned function ends it. */
  attach(topic: string, key: string, publish: Publish): () => void {
    let cursors = this.topics.get(topic);
    if (!cursors) this.topics.set(topic, (cursors = new Map()));
    let cursor = cursors.get(key);
    if (!cursor) cursors.set(key, (cursor = { refs: 0, data: undefined, shown: false, lastSent: -Infinity, pending: undefined, timer: undefined }));
    cursor.refs++;
    const entry = cursor;
    let attached = true;
    const cluster = currentCluster();
    if (cluster) followExpired(cluster, publish);
    return () => {
      if (!attached) return;
      attached = false;
      if (--entry.refs > 0) return;
      if (entry.timer) clearTimeout(entry.timer);
      cursors.delete(key);
      if (cursors.size === 0) this.topics.delete(topic);
      if (!entry.shown) return;
      publish(topic, 'leave', { key, data: entry.data } satisfies CursorEntry);
      currentCluster()?.cursors.remove(topic, key).catch(ignore);
    };
  }

  /** Moves `key`'s cursor; false when the key has no subscription on the topic. */
  move(topic: string, key: string, data: unknown, publish: Publish): boolean {
    const cursor = this.topics.get(topic)?.get(key);
    if (!cursor) return false;
    const now = this.now();
    if (now - cursor.lastSent >= this.throttle && !cursor.timer) {
      this.send(topic, key, cursor, data, publish, now);
      return true;
    }
    cursor.pending = { data, publish };
    cursor.timer ??= setTimeout(() => {
      cursor.timer = undefined;
      const pending = cursor.pending;
      cursor.pending = undefined;
      if (pending && this.topics.get(topic)?.get(key) === cursor) this.send(topic, key, cursor, pending.data, pending.publish, this.now());
    }, Math.max(0, cursor.lastSent + this.throttle - now));
    cursor.timer.unref?.();
    return true;
  }

  /** The shown cursors of a topic (in a cluster, of every instance). */
  list(topic: string): CursorEntry[] | Promise<CursorEntry[]> {
    const cluster = currentCluster();
    if (cluster) return cluster.cursors.list(topic).catch(() => this.listHere(topic));
    return this.listHere(topic);
  }

  /** The shown cursors of a topic on this instance. */
  private listHere(topic: string): CursorEntry[] {
    const out: CursorEntry[] = [];
    for (const [key, cursor] of this.topics.get(topic) ?? []) if (cursor.shown) out.push({ key, data: cursor.data });
    return out;
  }

  /** Topics with at least one subscribed key (for tests of the clean-up). */
  get size(): number {
    return this.topics.size;
  }

  private send(topic: string, key: string, cursor: Cursor, data: unknown, publish: Publish, now: number): void {
    cursor.data = data;
    cursor.shown = true;
    cursor.lastSent = now;
    publish(topic, 'move', { key, data } satisfies CursorEntry);
    currentCluster()?.cursors.set(topic, key, data).catch(ignore);
  }
}
