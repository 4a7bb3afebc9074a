/**
 * `live.channel(topic, options)`: ephemeral pub/sub. Nothing is stored and there is no init:
 * subscribers get what is published from the moment they subscribe. Clients publish through
 * the channel where `options.publish` allows it (never by default).
 *
 *   merge 'set' (default)  the store holds the last message's data
 *   merge 'latest'         the last `max` messages' data
 *   merge 'cursor'         the latest position per user, one frame per channel per `tick` ms
 *                          carrying every cursor that moved; clients publish 'move'
 */
import type { Awaitable } from '../../awaitable.js';
import type { MergeOptions } from '../../protocol.js';
import type { LiveContext, LiveUser } from '../context.js';
import { LiveError } from '../errors.js';
import { HANDLER } from '../handler-tag.js';
import type { SubscriptionStart } from '../subscribable.js';
import { CursorTracker, cursorLimits, type CursorEntry } from './cursor.js';
import { identityOf } from './identity.js';
import { checkStaticTopic, userTopicFunction } from '../topic-names.js';
import type { ActivationHost } from '../handlers.js';
import type { ExactOptions, IsDynamic, TopicArg, TopicArgs } from './topic-arg.js';

export type ChannelMerge = 'set' | 'latest' | 'cursor';

export interface ChannelOptions<Message = unknown> {
  /** How the store folds messages: `set` (default), `latest` or `cursor`. */
  merge?: ChannelMerge;
  /** Messages `latest` keeps. Default 50. */
  max?: number;
  /**
   * Whether clients may publish: `false` (default), `true`, or a check of each message
   * (return false to refuse with FORBIDDEN; throw a LiveError to refuse with its code).
   */
  publish?: boolean | ((ctx: LiveContext, event: string, data: Message) => Awaitable<boolean | void>);
  /** Cursor channels: least ms between two frames; each carries every cursor that moved. Default 16. */
  tick?: number;
  /** Cursor channels: largest position a client may send, in characters of its JSON. Default 1024. */
  maxBytes?: number;
  /** Cursor channels: what each entry shows of its mover (`{ key, data, user }`); see live.room's `select`. */
  select?: (user: LiveUser, ctx: LiveContext) => unknown;
  /** @deprecated Cursors are coalesced per channel now: `throttle` is read as `tick`. */
  throttle?: number;
}

/** What the client's store holds for each merge. */
export type ChannelValue<Message, Merge extends ChannelMerge, Profile = undefined> = Merge extends 'latest'
  ? Message[]
  : Merge extends 'cursor'
    ? CursorEntry<Message, Profile>[]
    : Message;

export interface LiveChannel<Args extends unknown[], Message, Merge extends ChannelMerge, Dynamic extends boolean, Profile = undefined> {
  readonly [HANDLER]: 'channel';
  readonly topic: string | ((ctx: LiveContext, ...args: Args) => string);
  readonly init: (ctx: LiveContext, ...args: Args) => unknown;
  readonly options: MergeOptions;
  readonly resumable: boolean;
  join?(subscription: SubscriptionStart): () => void;
  activate(host: ActivationHost): () => void;
  call(ctx: LiveContext, args: unknown[]): Promise<void>;
  readonly __types?: { args: Args; message: Message; merge: Merge; dynamic: Dynamic; profile: Profile };
}

const MAX_EVENT_LENGTH = 64;
const MERGES: readonly ChannelMerge[] = ['set', 'latest', 'cursor'];

/** The message type a `publish` check names (`data: Message`); unknown without one. */
type MessageOf<Options> = Options extends { publish: (ctx: LiveContext, event: string, data: infer Message) => unknown } ? Message : unknown;
type MergeOf<Options> = Options extends { merge: infer Merge extends ChannelMerge } ? Merge : 'set';
type ProfileOf<Options> = Options extends { select: (...args: any[]) => infer Profile } ? Profile : undefined;

// One signature (see topic-arg.ts): a misspelled option is reported on that option.
function channel<Topic extends TopicArg, const Options extends ChannelOptions<any> = {}>(
  topic: Topic,
  options?: Options & ExactOptions<Options, ChannelOptions>
): LiveChannel<TopicArgs<Topic>, MessageOf<Options>, MergeOf<Options>, IsDynamic<Topic>, ProfileOf<Options>>;
function channel(
  topic: string | ((ctx: LiveContext, ...args: unknown[]) => string),
  options: ChannelOptions = {}
): LiveChannel<unknown[], unknown, ChannelMerge, boolean, unknown> {
  if (typeof topic !== 'string' && typeof topic !== 'function') {
    throw new TypeError('live.channel: the topic must be a string or a function of the arguments');
  }
  const merge = options.merge ?? 'set';
  if (!MERGES.includes(merge)) throw new TypeError(`live.channel: merge must be one of ${MERGES.join(', ')}; got ${JSON.stringify(merge)}`);
  const max = options.max ?? 50;
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`live.channel: max must be a positive integer; got ${max}`);
  const allowed = options.publish ?? false;
  if (typeof allowed !== 'boolean' && typeof allowed !== 'function') {
    throw new TypeError('live.channel: publish must be true, false or a function (ctx, event, data) => boolean');
  }
  const cursors = merge === 'cursor' ? new CursorTracker(cursorLimits(options, 'live.channel')) : undefined;
  const select = options.select;
  if (select !== undefined && typeof select !== 'function') throw new TypeError('live.channel: select must be a function (user, ctx) => the public profile');
  const checked = typeof topic === 'string' ? checkStaticTopic(topic, 'live.channel') : userTopicFunction(topic);
  const topicOf = (ctx: LiveContext, args: readonly unknown[]): string => {
    const name = typeof checked === 'string' ? checked : checked(ctx, ...args);
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('live.channel: the topic function must return a non-empty string');
    return name;
  };
  /** Set while registered: whether another module declares a topic (clients may not publish there). */
  let ownedElsewhere: ((topic: string) => boolean) | undefined;

  const handler: LiveChannel<unknown[], unknown, ChannelMerge, boolean, unknown> = {
    [HANDLER]: 'channel',
    topic: checked,
    init: (ctx, ...args) => (merge === 'latest' ? [] : merge === 'cursor' ? cursors!.list(topicOf(ctx, args)) : undefined),
    options: { merge, key: merge === 'cursor' ? 'key' : 'id', max },
    // Nothing is stored, so there is nothing to replay: a reconnect starts from now.
    resumable: false,
    activate(host) {
      ownedElsewhere = host.ownedElsewhere;
      return () => (ownedElsewhere = undefined);
    },
    async call(ctx, args) {
      const [topicArgs, event, data] = args;
      if (!Array.isArray(topicArgs) || args.length > 3) throw new LiveError('MALFORMED', 'A channel publish is [arguments, event, data]');
      if (typeof event !== 'string' || event.length === 0 || event.length > MAX_EVENT_LENGTH) {
        throw new LiveError('MALFORMED', `A channel event is a name of 1 to ${MAX_EVENT_LENGTH} characters`);
      }
      if (allowed === false) throw new LiveError('FORBIDDEN', 'This channel does not take messages from clients');
      if (typeof allowed === 'function' && (await allowed(ctx, event, data)) === false) {
        throw new LiveError('FORBIDDEN', 'This message was refused');
      }
      const name = topicOf(ctx, topicArgs);
      if (ownedElsewhere?.(name)) {
        throw new LiveError('FORBIDDEN', 'This topic belongs to another module: a channel takes messages only for topics its own module declares');
      }
      if (!cursors) {
        ctx.publish(name, event, data);
        return;
      }
      if (event !== 'move') throw new LiveError('MALFORMED', "A cursor channel takes 'move' events");
      if (!cursors.move(name, identityOf(ctx), data, ctx.publish)) {
        throw new LiveError('FORBIDDEN', 'Subscribe to the channel before moving a cursor on it');
      }
    }
  };
  if (cursors) handler.join = ({ ctx, topic: name }) => cursors.attach(name, identityOf(ctx), ctx.publish, select?.(ctx.user, ctx));
  return handler;
}

export { channel };
