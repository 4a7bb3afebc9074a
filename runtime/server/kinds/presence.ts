/**
 * Presence: who is subscribed to a topic, one entry per key however many tabs a user has open.
 *
 * A subscription is one reference to its member's key: the first reference publishes `join`
 * with the member, the last one to end (unsubscribe, or the socket closing) publishes `leave`.
 * Used by `live.stream(topic, init, { merge: 'presence' })` and by rooms.
 *
 * In a cluster the count is over every instance (cluster/bus.ts): an instance enters a member
 * in the cluster when its own first reference starts and takes it out when its own last one
 * ends, so `join`/`leave` and the hooks run once per member for the whole cluster. Members of an
 * instance that stops without leaving (killed) leave when its heartbeat expires; their hooks
 * then run on the instance that noticed, with a ctx that has no user or connection. While Redis
 * is unreachable an instance counts its own members, as one process does.
 */
import { WATCH_ARG } from '../../protocol.js';
import { currentCluster } from '../cluster/current.js';
import type { ClusterBus, PresenceGone } from '../cluster/bus.js';
import type { Awaitable } from '../../awaitable.js';
import type { LiveContext } from '../context.js';
import type { LiveStream } from './stream.js';
import type { SubscriptionStart } from '../subscribable.js';

interface Member {
  data: unknown;
  refs: number;
}

/** The members of each topic, with a reference count per key. */
export class PresenceTracker {
  private readonly topics = new Map<string, Map<string, Member>>();

  /** Adds a reference; true when the key was not present before. */
  join(topic: string, key: string, data: unknown): boolean {
    let members = this.topics.get(topic);
    if (!members) this.topics.set(topic, (members = new Map()));
    const member = members.get(key);
    if (member) {
      member.refs++;
      return false;
    }
    members.set(key, { data, refs: 1 });
    return true;
  }

  /** Drops a reference; returns the member's data when it was the last one. */
  leave(topic: string, key: string): { data: unknown } | undefined {
    const members = this.topics.get(topic);
    const member = members?.get(key);
    if (!members || !member) return undefined;
    if (--member.refs > 0) return undefined;
    members.delete(key);
    if (members.size === 0) this.topics.delete(topic);
    return { data: member.data };
  }

  list(topic: string): unknown[] {
    return [...(this.topics.get(topic)?.values() ?? [])].map((m) => m.data);
  }

  /** Topics with anyone present (for tests of the clean-up). */
  get size(): number {
    return this.topics.size;
  }
}

export interface PresenceHooks {
  /** Runs when a key becomes present on a topic. */
  onJoin?(ctx: LiveContext, member: unknown, topic: string, args: readonly unknown[]): void;
  /** Runs when a key's last subscription ends. */
  onLeave?(ctx: LiveContext, member: unknown, topic: string, args: readonly unknown[]): void;
}

interface Slot {
  topic: string;
  args: readonly unknown[];
  key: string | undefined;
  left: boolean;
  /** `module/export` of the presence handler: how an expired member finds its hooks again. */
  owner: string;
}

/** What runs when a member of an expired instance leaves, by the handler it joined through. */
const expiredHandlers = new Map<string, (gone: PresenceGone) => void>();
const listening = new WeakSet<ClusterBus>();

/** The cluster's expired members go to the handler they joined through (registered once per cluster). */
function followExpired(cluster: ClusterBus): void {
  if (listening.has(cluster)) return;
  listening.add(cluster);
  cluster.presence.onExpired((gone) => expiredHandlers.get(gone.owner)?.(gone));
}

/**
 * The subscribable parts of a presence topic: `join` reserves a slot for the subscription,
 * `init` asks who the subscriber is, enters them and returns everyone present. The same `ctx`
 * object reaches both, which is how the slot is found again.
 */
export function presenceParts(
  tracker: PresenceTracker,
  key: string,
  who: (ctx: LiveContext, ...args: any[]) => Awaitable<unknown>,
  hooks: PresenceHooks = {}
): {
  join(subscription: SubscriptionStart): () => void;
  init(ctx: LiveContext, topic: string, args: readonly unknown[]): Promise<unknown[]>;
  /** Everyone present on `topic`, for a watcher who does not enter (in a cluster, of every instance). */
  list(topic: string): Promise<unknown[]>;
} {
  const slots = new WeakMap<LiveContext, Slot>();
  const left = (ctx: LiveContext, data: unknown, topic: string, args: readonly unknown[]) => {
    ctx.publish(topic, 'leave', data);
    hooks.onLeave?.(ctx, data, topic, args);
  };
  return {
    join({ ctx, topic, args, path }) {
      const slot: Slot = { topic, args, key: undefined, left: false, owner: path };
      slots.set(ctx, slot);
      const cluster = currentCluster();
      if (cluster) {
        followExpired(cluster);
        // A ctx for hooks of members whose instance expired: no user, no connection.
        const orphan: LiveContext = { user: null as never, connectionId: '', connection: '', publish: ctx.publish, batch: ctx.batch, signal: ctx.signal, throttle: ctx.throttle, debounce: ctx.debounce };
        expiredHandlers.set(path, (gone) => left(orphan, gone.data, gone.topic, gone.args));
      }
      return () => {
        slot.left = true;
        if (slot.key === undefined) return;
        const gone = tracker.leave(topic, slot.key);
        if (!gone) return;
        if (!cluster) return left(ctx, gone.data, topic, args);
        cluster.presence.leave(topic, slot.key).then(
          (last) => last && left(ctx, last.data, topic, args),
          // Redis unreachable: this instance's clients see the member go; the cluster's count expires with its heartbeat.
          () => left(ctx, gone.data, topic, args)
        );
      };
    },
    async init(ctx, topic, args) {
      const member = await who(ctx, ...args);
      const id = typeof member === 'object' && member !== null ? (member as Record<string, unknown>)[key] : undefined;
      if (typeof id !== 'string' && typeof id !== 'number') {
        throw new TypeError(`presence: the member must be an object with a string or number "${key}" field; got ${JSON.stringify(member)?.slice(0, 80)}`);
      }
      const slot = slots.get(ctx);
      const cluster = currentCluster();
      if (slot && !slot.left && slot.key === undefined) {
        slot.key = String(id);
        if (tracker.join(topic, slot.key, member) && (!cluster || (await clusterJoin(cluster, slot, member)))) {
          ctx.publish(topic, 'join', member);
          hooks.onJoin?.(ctx, member, topic, args);
        }
      }
      return listOf(tracker, topic);
    },
    list: (topic) => listOf(tracker, topic)
  };
}

/** Everyone present on `topic`: over the cluster when there is one, else (or while Redis is away) here. */
async function listOf(tracker: PresenceTracker, topic: string): Promise<unknown[]> {
  const cluster = currentCluster();
  if (cluster) {
    try {
      return await cluster.presence.list(topic);
    } catch {
      // Redis unreachable: the members this instance knows.
    }
  }
  return tracker.list(topic);
}

/** Enters this instance's first reference in the cluster: true when no instance held the member before (or Redis is away). */
async function clusterJoin(cluster: ClusterBus, slot: Slot, member: unknown): Promise<boolean> {
  try {
    return await cluster.presence.join(slot.topic, slot.key!, member, slot.owner, slot.args);
  } catch {
    return true;
  }
}

/**
 * Whether a presence subscription's arguments end with the watch mark (WATCH_ARG). Harmless if
 * forged: a watcher is listed nowhere and runs no hook, and the module's guards run for it all the same.
 */
function watching(args: readonly unknown[]): boolean {
  return args.length > 0 && args[args.length - 1] === WATCH_ARG;
}

const withoutMark = (args: readonly unknown[]): unknown[] => (watching(args) ? args.slice(0, -1) : [...args]);

/**
 * `live.stream(topic, init, { merge: 'presence' })`: init says who the subscriber is (an object
 * with the `key` field, default `id`); subscribing enters them, and the store holds everyone.
 * A subscription whose arguments end with WATCH_ARG gets the same list and events without
 * entering: init does not run for it and nobody sees it join.
 */
export function presenceStream<S extends LiveStream<any[], unknown, boolean>>(stream: S): S & { resumable: false; join(s: SubscriptionStart): () => void } {
  const parts = presenceParts(new PresenceTracker(), stream.options.key, stream.init);
  const userTopic = stream.topic;
  const topic = typeof userTopic === 'string' ? userTopic : (ctx: LiveContext, ...args: unknown[]) => userTopic(ctx, ...withoutMark(args));
  const topicOf = (ctx: LiveContext, args: unknown[]) => (typeof topic === 'string' ? topic : topic(ctx, ...args));
  const nothing = () => {};
  return {
    ...stream,
    topic,
    // The member joins again on every subscription, so a reconnect never resumes.
    resumable: false,
    join: (subscription) => (watching(subscription.args) ? nothing : parts.join(subscription)),
    init: (ctx: LiveContext, ...args: unknown[]) => {
      const name = topicOf(ctx, args);
      return watching(args) ? parts.list(name) : parts.init(ctx, name, args);
    }
  };
}
