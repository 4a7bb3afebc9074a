/**
 * `live.stream(topic, init, options)`: a store kept in sync with publishes to `topic`. The topic
 * is a name, or a function of the subscriber's arguments (one store per argument list); init
 * gives the first value, and `options.merge` says how each event folds into it. Presence and
 * pagination are streams with more parts (presence.ts, paginate.ts).
 */
import type { Awaitable } from '../../awaitable.js';
import type { MergeOptions, MergeStrategy } from '../../protocol.js';
import type { LiveContext } from '../context.js';
import { HANDLER, requireFunction } from '../handler-tag.js';
import { checkStaticTopic, userTopicFunction } from '../topic-names.js';
import { paginated, type Page } from './paginate.js';
import type { ExactOptions, IsDynamic, TopicArg, TopicArgs } from './topic-arg.js';
import { presenceStream } from './presence.js';

export interface StreamOptions {
  /** How the client folds events into the value. Default `crud`. */
  merge?: MergeStrategy;
  /** Item key for `crud`. Default `id`. */
  key?: string;
  /**
   * `latest`: the payloads it keeps (default 50). `crud`: the most items the list keeps (a feed);
   * past it, items go from the end opposite to where new ones arrive. No bound by default.
   */
  max?: number;
  /** `crud` and `latest`: new items go first (newest on top) instead of last. Default false. */
  prepend?: boolean;
  /**
   * Cursor pagination: init returns `{ items, next }` for `ctx.cursor`, the client's
   * `loadMore()` fetches the following pages. `true` or `'after'` adds pages after the items
   * already loaded, `'before'` in front of them.
   */
  paginate?: boolean | 'after' | 'before';
}

/** `Merge` is the stream's merge as its options name it: a presence stream's client store also has `watch`. */
export interface LiveStream<Args extends unknown[], Value, Dynamic extends boolean, Merge extends MergeStrategy = MergeStrategy> {
  readonly [HANDLER]: 'stream';
  readonly topic: string | ((ctx: LiveContext, ...args: Args) => string);
  readonly init: (ctx: LiveContext, ...args: Args) => Awaitable<Value>;
  readonly options: MergeOptions;
  readonly __types?: { args: Args; value: Value; dynamic: Dynamic; merge: Merge };
}

const MERGES: readonly MergeStrategy[] = ['crud', 'latest', 'set', 'presence', 'cursor'];

function streamOptions(options: StreamOptions = {}): MergeOptions {
  const merge = options.merge ?? 'crud';
  if (!MERGES.includes(merge)) {
    throw new TypeError(`live.stream: merge must be one of ${MERGES.join(', ')}; got ${JSON.stringify(merge)}`);
  }
  const max = options.max ?? 50;
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`live.stream: max must be a positive integer; got ${max}`);
  const resolved: MergeOptions = { merge, key: options.key ?? (merge === 'cursor' ? 'key' : 'id'), max };
  const paginate = options.paginate ?? false;
  if (paginate !== false && paginate !== true && paginate !== 'after' && paginate !== 'before') {
    throw new TypeError(`live.stream: paginate must be true, 'after' or 'before'; got ${JSON.stringify(paginate)}`);
  }
  if (paginate) resolved.paginate = paginate === 'before' ? 'before' : 'after';
  if (merge === 'crud' && options.max !== undefined && paginate) {
    throw new TypeError('live.stream: a paginated crud stream takes no max (loadMore would load pages that max drops); leave max out or paginate out');
  }
  return { ...resolved, ...feedOptions('live.stream', merge, options) };
}

/**
 * What makes a list a feed, checked: a crud list's `max` (sent as `limit`) and `prepend` (crud
 * and latest). For live.stream and the data of live.room alike.
 */
export function feedOptions(what: string, merge: MergeStrategy, options: { max?: number; prepend?: boolean }): Pick<MergeOptions, 'limit' | 'prepend'> {
  const feed: Pick<MergeOptions, 'limit' | 'prepend'> = {};
  if (merge === 'crud' && options.max !== undefined) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new TypeError(`${what}: max must be a positive integer; got ${options.max}`);
    feed.limit = options.max;
  }
  const prepend = options.prepend ?? false;
  if (typeof prepend !== 'boolean') throw new TypeError(`${what}: prepend must be true or false; got ${JSON.stringify(prepend)}`);
  if (prepend) {
    if (merge !== 'crud' && merge !== 'latest') throw new TypeError(`${what}: prepend is for crud and latest lists; this one merges with ${merge}`);
    feed.prepend = true;
  }
  return feed;
}

type Paginated = { paginate: true | 'after' | 'before' };
type MergeOf<Options> = Options extends { merge: infer Merge extends MergeStrategy } ? Merge : 'crud';

/**
 * One signature for every stream, so a mistake in the options (a `merge` value, an unknown key)
 * is reported on that option, not as "no overload matches" on the topic. With `paginate`, init
 * returns a Page and the value is its items; otherwise the value is what init returns.
 */
export function stream<Topic extends TopicArg, Value, Item, const Options extends StreamOptions = {}>(
  topic: Topic,
  init: (ctx: LiveContext, ...args: TopicArgs<Topic>) => Awaitable<Options extends Paginated ? Page<Item> : Value>,
  options?: Options & ExactOptions<Options, StreamOptions>
): LiveStream<TopicArgs<Topic>, Options extends Paginated ? Item[] : Value, IsDynamic<Topic>, MergeOf<Options>>;
export function stream(
  topic: string | ((ctx: LiveContext, ...args: unknown[]) => string),
  init: (ctx: LiveContext, ...args: unknown[]) => unknown,
  options?: StreamOptions
): LiveStream<unknown[], unknown, boolean> {
  if (typeof topic !== 'string' && typeof topic !== 'function') {
    throw new TypeError('live.stream: the topic must be a string or a function of the arguments');
  }
  requireFunction(init, 'live.stream: init');
  const handler: LiveStream<unknown[], unknown, boolean> = {
    [HANDLER]: 'stream',
    topic: typeof topic === 'string' ? checkStaticTopic(topic, 'live.stream') : userTopicFunction(topic),
    init,
    options: streamOptions(options)
  };
  if (handler.options.merge === 'presence') return presenceStream(handler);
  return handler.options.paginate ? paginated(handler) : handler;
}
