/**
 * `live.room(config)`: a collaborative room under one id. Each room bundles
 *
 * - `data`: a stream like live.stream (init, merge), published to with `ctx.room.publish`;
 * - `presence`: who is in the room, one entry per user however many tabs (join/leave hooks);
 * - `cursors`: the latest cursor per user, throttled (unless `cursors: false`);
 * - `actions`: functions the client calls as `room.<action>(...)`, with `ctx.room` set.
 *
 * On the wire a room is one registry entry: subscriptions name the part
 * (`[roomId, 'data' | 'presence' | 'cursors']`) and calls the action (`[roomId, action, ...args]`).
 * Topics are `room:<module/export>:<roomId>:<part>`.
 */
import type { Awaitable } from '../../awaitable.js';
import { describeValue, type MergeOptions, type MergeStrategy } from '../../protocol.js';
import type { LiveContext } from '../context.js';
import { LiveError } from '../errors.js';
import { HANDLER } from '../handler-tag.js';
import { runtimeTopic } from '../topic-names.js';
import type { ActivationHost } from '../handlers.js';
import type { SubscriptionStart } from '../subscribable.js';
import { CursorTracker } from './cursor.js';
import { identityOf } from './identity.js';
import { PresenceTracker, presenceParts } from './presence.js';

/** `ctx` inside a room's actions and hooks. */
export interface RoomContext extends LiveContext {
  readonly room: {
    readonly id: string;
    /** Publishes to the room's data stream (folded by the room's merge). */
    publish(event: string, data?: unknown): void;
  };
}

export type RoomAction = (ctx: RoomContext, ...args: any[]) => unknown;

export interface RoomConfig<Data, Member, Actions extends Record<string, RoomAction>> {
  /** The room's data: its first value for a subscriber. */
  init: (ctx: LiveContext, roomId: string) => Awaitable<Data>;
  /** How `ctx.room.publish` events fold into data. Default `crud`. */
  merge?: Exclude<MergeStrategy, 'presence' | 'cursor'>;
  key?: string;
  max?: number;
  /** Who a member is: an object with an `id` (default `{ id }` from the user or connection). */
  presence?: (ctx: LiveContext, roomId: string) => Awaitable<Member>;
  /** Cursors, throttled to one position per user every `throttle` ms (default 50); `false` for none. */
  cursors?: boolean | { throttle?: number };
  /** Functions the client calls as `room(id).<name>(...args)`; `ctx.room` is the room. */
  actions?: Actions & { [K in keyof Actions]: RoomAction };
  /** A member entered (their first tab joined). */
  onJoin?: (ctx: RoomContext, member: Member) => void;
  /** A member left (their last tab closed or unsubscribed). */
  onLeave?: (ctx: RoomContext, member: Member) => void;
}

export type RoomPart = 'data' | 'presence' | 'cursors';

export interface LiveRoom<Data, Member, Actions extends Record<string, RoomAction>> {
  readonly [HANDLER]: 'room';
  readonly topic: (ctx: LiveContext, roomId: string, part: RoomPart) => string;
  readonly init: (ctx: LiveContext, roomId: string, part: RoomPart) => Promise<unknown>;
  readonly options: MergeOptions;
  readonly resumable: boolean;
  optionsFor(args: readonly unknown[]): MergeOptions;
  join(subscription: SubscriptionStart): (() => void) | void;
  call(ctx: LiveContext, args: unknown[]): Promise<unknown>;
  activate(host: ActivationHost): () => void;
  readonly __types?: { data: Data; member: Member; actions: Actions };
}

/** The action name a client's cursor moves use; not a JavaScript identifier, so no action can take it. */
export const CURSOR_ACTION = '~cursor';
const PARTS: ReadonlySet<string> = new Set(['data', 'presence', 'cursors']);
const MAX_ROOM_ID = 128;

function roomId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ROOM_ID) {
    throw new LiveError('BAD_ROOM', `A room id is a string of 1 to ${MAX_ROOM_ID} characters`);
  }
  return value;
}

export function room<Data, Member = { id: string }, Actions extends Record<string, RoomAction> = {}>(
  config: RoomConfig<Data, Member, Actions>
): LiveRoom<Data, Member, Actions> {
  if (typeof config !== 'object' || config === null || typeof config.init !== 'function') {
    throw new TypeError('live.room(config): config.init must be a function (ctx, roomId) => the room data');
  }
  const merge = config.merge ?? 'crud';
  if (!['crud', 'latest', 'set'].includes(merge)) throw new TypeError(`live.room: merge must be crud, latest or set; got ${JSON.stringify(merge)}`);
  const dataOptions: MergeOptions = { merge, key: config.key ?? 'id', max: config.max ?? 50 };
  const presenceOptions: MergeOptions = { merge: 'presence', key: 'id', max: 50 };
  const cursorOptions: MergeOptions = { merge: 'cursor', key: 'key', max: 50 };
  const actions = new Map<string, RoomAction>();
  for (const [name, action] of Object.entries(config.actions ?? {})) {
    if (typeof action !== 'function') throw new TypeError(`live.room: action ${name} must be a function`);
    actions.set(name, action);
  }
  const throttle = typeof config.cursors === 'object' ? (config.cursors.throttle ?? 50) : 50;
  const cursors = config.cursors === false ? undefined : new CursorTracker(throttle);
  let prefix = runtimeTopic('room', '?');
  let report: (error: unknown, where: string) => void = (error, where) => console.error(`[svelte-realtime] ${where}:`, error);

  const topicOf = (id: string, part: RoomPart) => `${prefix}:${id}:${part}`;
  const roomContext = (ctx: LiveContext, id: string): RoomContext => ({
    ...ctx,
    room: { id, publish: (event, data) => ctx.publish(topicOf(id, 'data'), event, data) }
  });
  const hook = (name: 'onJoin' | 'onLeave') => (ctx: LiveContext, member: unknown, _topic: string, args: readonly unknown[]) => {
    const fn = config[name];
    if (!fn) return;
    try {
      fn(roomContext(ctx, args[0] as string), member as Member);
    } catch (error) {
      report(error, `room ${name}`);
    }
  };
  const presence = presenceParts(
    new PresenceTracker(),
    'id',
    (ctx: LiveContext, id: string) => (config.presence ? config.presence(ctx, id) : { id: identityOf(ctx) }),
    { onJoin: hook('onJoin'), onLeave: hook('onLeave') }
  );

  return {
    [HANDLER]: 'room',
    topic(_ctx, id, part) {
      if (!PARTS.has(part)) throw new LiveError('MALFORMED', "A room subscription names its part: 'data', 'presence' or 'cursors'");
      if (part === 'cursors' && !cursors) throw new LiveError('FORBIDDEN', 'This room has no cursors');
      return topicOf(roomId(id), part);
    },
    async init(ctx, id, part) {
      if (part === 'data') return config.init(ctx, id);
      if (part === 'presence') return presence.init(ctx, topicOf(id, 'presence'), [id]);
      return cursors!.list(topicOf(id, 'cursors'));
    },
    options: dataOptions,
    // Presence is rebuilt by joining again, so a reconnect always re-runs init.
    resumable: false,
    optionsFor: (args) => (args[1] === 'presence' ? presenceOptions : args[1] === 'cursors' ? cursorOptions : dataOptions),
    join(subscription) {
      const part = subscription.args[1];
      if (part === 'presence') return presence.join(subscription);
      if (part === 'cursors') return cursors!.attach(subscription.topic, identityOf(subscription.ctx), subscription.ctx.publish);
    },
    async call(ctx, args) {
      const [rawId, name, ...rest] = args;
      const id = roomId(rawId);
      if (name === CURSOR_ACTION) {
        if (!cursors) throw new LiveError('FORBIDDEN', 'This room has no cursors');
        if (!cursors.move(topicOf(id, 'cursors'), identityOf(ctx), rest[0], ctx.publish)) {
          throw new LiveError('FORBIDDEN', "Subscribe to the room's cursors before moving yours");
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
