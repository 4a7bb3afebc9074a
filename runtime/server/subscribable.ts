/**
 * Subscribable handlers: every kind a client can subscribe to (`live.stream`, `live.derived`,
 * `live.aggregate`, ...). The dispatcher serves them all the same way: guards, topic, init,
 * snapshot, then the topic's events folded by `options`.
 *
 * A kind may add two hooks:
 * - `start`: runs when its topic gains its first subscriber (anywhere on the server); the
 *   function it returns runs when the topic loses its last one. For work that should happen
 *   only while someone listens (a derived stream's upstream subscriptions).
 * - `join`: runs for each subscription once it is registered; the function it returns runs
 *   when that subscription ends (unsubscribe or disconnect). For per-client state (presence).
 */
import type { Awaitable } from '../awaitable.js';
import { kindDescriptor } from '../kinds.js';
import type { MergeOptions } from '../protocol.js';
import type { LiveContext } from './context.js';
import { handlerKind } from './handler-tag.js';

/** What `start` is told: the topic and the subscription that made it active. */
export interface TopicStart {
  /** `module/export` of the handler. */
  readonly path: string;
  readonly topic: string;
  /** The first subscriber's context and arguments. */
  readonly ctx: LiveContext;
  readonly args: readonly unknown[];
}

/** What `join` is told: one subscription. */
export interface SubscriptionStart extends TopicStart {
  /** The subscription's id on its connection. */
  readonly id: number;
}

export interface Subscribable {
  readonly topic: string | ((ctx: LiveContext, ...args: any[]) => string);
  readonly init: (ctx: LiveContext, ...args: any[]) => Awaitable<unknown>;
  readonly options: MergeOptions;
  start?(topic: TopicStart): (() => void) | void;
  join?(subscription: SubscriptionStart): (() => void) | void;
  /** Merge options for one subscription's arguments, when they vary (a room's parts). */
  optionsFor?(args: readonly unknown[]): MergeOptions;
  /**
   * False when a reconnecting client must not resume from its position but always re-run
   * init (presence: the old connection left, so the member has to join again).
   */
  readonly resumable?: boolean;
}

/** A handler of a kind the dispatcher's subscribe path serves (`subscribable` in runtime/kinds.ts). */
export function isSubscribable(handler: unknown): handler is Subscribable {
  const kind = handlerKind(handler);
  return kind !== undefined && kindDescriptor(kind)?.subscribable === true;
}
