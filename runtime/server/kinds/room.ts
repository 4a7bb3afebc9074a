/**
 * `live.room(config)`: a collaborative room under one id. Each room bundles
 *
 * - `data`: a stream like live.stream (init, merge), published to with `ctx.room.publish`;
 * - `presence`: who is in the room, one entry per user however many tabs (join/leave hooks);
 *   `watch` lists the same members without entering (a home page's "3 here");
 * - `cursors`: the latest cursor per user, coalesced into one frame per room per tick (unless
 *   `cursors: false`); `share-cursor` lets a client move its own without receiving the others';
 * - `actions`: functions the client calls as `room.<action>(...)`, with `ctx.room` set.
 *
 * With `select`, presence and cursor entries carry each member's public profile, under the same
 * key: `user:<id>` for a signed-in user, `connection:<connectionId>` for a guest (identity.ts).
 *
 * On the wire a room is one registry entry: subscriptions name the part
 * (`[roomId, 'data' | 'presence' | 'watch' | 'cursors' | 'share-cursor']`) and calls the action
 * (`[roomId, action, ...args]`). Topics are `room:<module/export>:<roomId>:<part>`; `watch`
 * follows the presence topic.
 */
import type { Awaitable } from '../../awaitable.js';
import { CURSOR_ACTION, describeValue, ROOM_OBJECT_FIELDS, type MergeOptions, type MergeStrategy } from '../../protocol.js';
import type { LiveContext, LiveUser } from '../context.js';
import { LiveError } from '../errors.js';
import { HANDLER } from '../handler-tag.js';
import { runtimeTopic } from '../topic-names.js';
import type { ActivationHost } from '../handlers.js';
import type { SubscriptionStart } from '../subscribable.js';
import { CursorTracker, cursorLimits } from './cursor.js';
import { identityOf } from './identity.js';
import { PresenceTracker, presenceParts } from './presence.js';
import { feedOptions } from './stream.js';

/** `ctx` inside a room's actions and hooks. */
export interface RoomContext extends LiveContext {
  readonly room: {
    readonly id: string;
    /** Publishes to the room's data stream (folded by the room's merge). */
    publish(event: string, data?: unknown): void;
    /** `ctx.throttle` on the room's data stream: hot data (a note's text as it is typed), at most once per `ms` per item, the last always. */
    throttle(event: string, data: unknown, ms: number): void;
    /** `ctx.debounce` on the room's data stream: an item's publish once `ms` pass with nothing newer. */
    debounce(event: string, data: unknown, ms: number): void;
  };
}

export type RoomAction = (ctx: RoomContext, ...args: any[]) => unknown;

/**
 * A room member as presence lists them when the room has `select`: `key` is who they are
 * (`user:<id>` for a signed-in user, `connection:<connectionId>` for a guest tab), `user` what
 * `select` made public of them. Cursor entries carry the same `key` and `user`.
 */
export interface RoomMember<Profile> {
  key: string;
  user: Profile;
}

export interface RoomCursorOptions<Position = unknown> {
  /** Least ms between two cursor frames of one room; each frame carries every cursor that moved. Default 16 (about 60 a second). */
  tick?: number;
  /** Largest cursor position a client may send, in characters of its JSON. Default 1024. */
  maxBytes?: number;
  /**
   * Checks each position a client sends (after `maxBytes`): return false to refuse it with
   * BAD_CURSOR. As a type guard (`(p): p is { x: number; y: number } => ...`) it also types
   * the positions on the page: `cursors` entries' `data` and `moveCursor`'s argument.
   */
  check?: (position: unknown) => position is Position;
  /** @deprecated Cursors are coalesced per room now: `throttle` is read as `tick`. */
  throttle?: number;
}

export interface RoomConfig<Data, Member, Actions extends Record<string, RoomAction>, Profile, Position = unknown> {
  /** The room's data: its first value for a subscriber. */
  init: (ctx: LiveContext, roomId: string) => Awaitable<Data>;
  /** How `ctx.room.publish` events fold into data. Default `crud`. */
  merge?: Exclude<MergeStrategy, 'presence' | 'cursor'>;
  key?: string;
  /** `latest`: the events it keeps (default 50). `crud`: the most items the list keeps (no bound by default). */
  max?: number;
  /** `crud` and `latest`: new items go first instead of last. */
  prepend?: boolean;
  /**
   * Who a member is: an object with an `id` (default `{ id }`, the member's key: `user:<id>` or
   * `connection:<connectionId>`). Use `select` instead for a public profile on presence and
   * cursors alike; a room takes one or the other.
   */
  presence?: (ctx: LiveContext, roomId: string) => Awaitable<Member>;
  /**
   * What each member shows the others, on presence entries (`{ key, user }`) and cursor entries
   * (`{ key, data, user }`) alike: runs once per subscription with the connection's user (what
   * `upgrade` returned; `null` for a guest) and its ctx. Keep it to what every member may see.
   */
  select?: (user: LiveUser, ctx: LiveContext) => Profile;
  /** Cursors, coalesced to one frame per room every `tick` ms (default 16); `false` for none. */
  cursors?: boolean | RoomCursorOptions<Position>;
  /** Functions the client calls as `room(id).<name>(...args)`; `ctx.room` is the room. */
  actions?: Actions & { [K in keyof Actions]: RoomAction };
  /** A member entered (their first tab joined). */
  onJoin?: (ctx: RoomContext, member: Member) => void;
  /** A member left (their last tab closed or unsubscribed). */
  onLeave?: (ctx: RoomContext, member: Member) => void;
}

export type RoomPart = 'data' | 'presence' | 'watch' | 'cursors' | 'share-cursor';

export interface LiveRoom<Data, Member, Actions extends Record<string, RoomAction>, Profile = undefined, Position = unknown> {
  readonly [HANDLER]: 'room';
  readonly topic: (ctx: LiveContext, roomId: string, part: RoomPart) => string;
  readonly init: (ctx: LiveContext, roomId: string, part: RoomPart) => Promise<unknown>;
  readonly options: MergeOptions;
  readonly resumable: boolean;
  optionsFor(args: readonly unknown[]): MergeOptions;
  join(subscription: SubscriptionStart): (() => void) | void;
  call(ctx: LiveContext, args: unknown[]): Promise<unknown>;
  activate(host: ActivationHost): () => void;
  readonly __types?: { data: Data; member: Member; actions: Actions; profile: Profile; position: Position };
}

const PARTS: ReadonlySet<string> = new Set<RoomPart>(['data', 'presence', 'watch', 'cursors', 'share-cursor']);
/** What the page's room object answers itself, and what would make it look like a promise or JSON: no action may take these names. */
const RESERVED_NAMES: ReadonlySet<string> = new Set([...ROOM_OBJECT_FIELDS, 'then', 'toJSON']);
const MAX_ROOM_ID = 128;

function roomId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ROOM_ID) {
    throw new LiveError('BAD_ROOM', `A room id is a string of 1 to ${MAX_ROOM_ID} characters`);
  }
  return value;
}

/** Presence entries: `presence`'s member, `{ key, user }` with `select`, else `{ id }`. */
type MemberOf<Member, Profile> = [Profile] extends [undefined] ? Member : RoomMember<Profile>;

export function room<Data, Member = { id: string }, Actions extends Record<string, RoomAction> = {}, Profile = undefined, Position = unknown>(
  config: RoomConfig<Data, Member, Actions, Profile, Position>
): LiveRoom<Data, MemberOf<Member, Profile>, Actions, Profile, Position> {
  if (typeof config !== 'object' || config === null || typeof config.init !== 'function') {
    throw new TypeError('live.room(config): config.init must be a function (ctx, roomId) => the room data');
  }
  const merge = config.merge ?? 'crud';
  if (!['crud', 'latest', 'set'].includes(merge)) throw new TypeError(`live.room: merge must be crud, latest or set; got ${JSON.stringify(merge)}`);
  const select = config.select;
  if (select !== undefined && typeof select !== 'function') throw new TypeError('live.room: select must be a function (user, ctx) => the public profile');
  if (select && config.presence) {
    throw new TypeError('live.room: give presence or select, not both (select makes presence entries { key, user } with the profile it returns)');
  }
  const dataOptions: MergeOptions = { merge, key: config.key ?? 'id', max: config.max ?? 50, ...feedOptions('live.room', merge, config) };
  const presenceOptions: MergeOptions = { merge: 'presence', key: select ? 'key' : 'id', max: 50 };
  const cursorOptions: MergeOptions = { merge: 'cursor', key: 'key', max: 50 };
  const shareOptions: MergeOptions = { merge: 'set', key: 'id', max: 50 };
  const actions = new Map<string, RoomAction>();
  for (const [name, action] of Object.entries(config.actions ?? {})) {
    if (typeof action !== 'function') throw new TypeError(`live.room: action ${name} must be a function`);
    if (RESERVED_NAMES.has(name)) throw new TypeError(`live.room: an action may not be named ${name}: the room object on the page uses that name; rename the action`);
    actions.set(name, action);
  }
  const cursorConfig = typeof config.cursors === 'object' && config.cursors !== null ? config.cursors : undefined;
  const check = cursorConfig?.check;
  if (check !== undefined && typeof check !== 'function') throw new TypeError('live.room: cursors.check must be a function (position) => boolean');
  const cursors = config.cursors === false ? undefined : new CursorTracker({ ...cursorLimits(cursorConfig, 'live.room'), check });
  let prefix = runtimeTopic('room', '?');
  let report: (error: unknown, where: string) => void = (error, where) => console.error(`[svelte-realtime] ${where}:`, error);

  const topicOf = (id: string, part: 'data' | 'presence' | 'cursors' | 'share-cursor') => `${prefix}:${id}:${part}`;
  const roomContext = (ctx: LiveContext, id: string): RoomContext => {
    const topic = topicOf(id, 'data');
    return {
      ...ctx,
      room: {
        id,
        publish: (event, data) => ctx.publish(topic, event, data),
        throttle: (event, data, ms) => ctx.throttle(topic, event, data, ms),
        debounce: (event, data, ms) => ctx.debounce(topic, event, data, ms)
      }
    };
  };
  const hook = (name: 'onJoin' | 'onLeave') => (ctx: LiveContext, member: unknown, _topic: string, args: readonly unknown[]) => {
    const fn = config[name];
    if (!fn) return;
    try {
      fn(roomContext(ctx, args[0] as string), member as Member);
    } catch (error) {
      report(error, `room ${name}`);
    }
  };
  /** The member's public profile, from `select`; undefined without one. */
  const profileOf = (ctx: LiveContext): unknown => (select ? select(ctx.user, ctx) : undefined);
  const presence = presenceParts(
    new PresenceTracker(),
    select ? 'key' : 'id',
    (ctx: LiveContext, id: string) =>
      select ? { key: identityOf(ctx), user: select(ctx.user, ctx) } : config.presence ? config.presence(ctx, id) : { id: identityOf(ctx) },
    { onJoin: hook('onJoin'), onLeave: hook('onLeave') }
  );

  return {
    [HANDLER]: 'room',
    topic(_ctx, id, part) {
      if (typeof part !== 'string' || !PARTS.has(part)) {
        throw new LiveError('MALFORMED', "A room subscription names its part: 'data', 'presence', 'watch', 'cursors' or 'share-cursor'");
      }
      if ((part === 'cursors' || part === 'share-cursor') && !cursors) throw new LiveError('FORBIDDEN', 'This room has no cursors');
      return topicOf(roomId(id), part === 'watch' ? 'presence' : part);
    },
    async init(ctx, id, part) {
      if (part === 'data') return config.init(ctx, id);
      if (part === 'presence') return presence.init(ctx, topicOf(id, 'presence'), [id]);
      if (part === 'watch') return presence.list(topicOf(id, 'presence'));
      if (part === 'share-cursor') return null;
      return cursors!.list(topicOf(id, 'cursors'));
    },
    options: dataOptions,
    // Presence is rebuilt by joining again, so a reconnect always re-runs init.
    resumable: false,
    optionsFor: (args) =>
      args[1] === 'presence' || args[1] === 'watch'
        ? presenceOptions
        : args[1] === 'cursors'
          ? cursorOptions
          : args[1] === 'share-cursor'
            ? shareOptions
            : dataOptions,
    join(subscription) {
      const part = subscription.args[1];
      if (part === 'presence') return presence.join(subscription);
      // A sender's subscription is on a topic nothing is published to: it holds the cursor, and receives nothing.
      if (part === 'cursors' || part === 'share-cursor') {
        const { ctx } = subscription;
        return cursors!.attach(topicOf(subscription.args[0] as string, 'cursors'), identityOf(ctx), ctx.publish, profileOf(ctx));
      }
    },
    async call(ctx, args) {
      const [rawId, name, ...rest] = args;
      const id = roomId(rawId);
      if (name === CURSOR_ACTION) {
        if (!cursors) throw new LiveError('FORBIDDEN', 'This room has no cursors');
        if (!cursors.move(topicOf(id, 'cursors'), identityOf(ctx), rest[0], ctx.publish)) {
          throw new LiveError('FORBIDDEN', "Subscribe to the room's cursors, or share yours (room.shareCursor()), before moving it");
        }
        return undefined;
      }
      const action = typeof name === 'string' ? actions.get(name) : undefined;
      if (!action) throw new LiveError('UNKNOWN_PATH', `This room has no action ${describeValue(name)}`);
      return action(roomContext(ctx, id), ...rest);
    },
    activate(host) {
      prefix = runtimeTopic('room', host.path);
      report = host.reportError;
      return () => {};
    }
  };
}
