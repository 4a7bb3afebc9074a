/**
 * svelte-realtime/client: what a page may use directly, and `Client<T>`, the type of each `$live/*` export.
 */
import type { ClientKind } from '../kinds.js';
import type { HANDLER } from '../server/handler-tag.js';
import type { LiveFunction } from '../server/handlers.js';
import type { LiveStream } from '../server/kinds/stream.js';
import type { LiveBinary } from '../server/kinds/binary.js';
import type { ChannelValue, LiveChannel } from '../server/kinds/channel.js';
import type { CursorEntry } from '../server/kinds/cursor.js';
import type { LiveRoom } from '../server/kinds/room.js';
import type { LiveDerived } from '../server/kinds/derived.js';
import type { LiveAggregate } from '../server/kinds/aggregate.js';
import type { ConnectionStatus } from './status.js';
import { reopen } from './reconnect.js';
import { listenForSignal } from './signals.js';
import type { LiveStore } from './stream.js';
import { RpcError } from './rpc-error.js';
import { liveSocket } from './page-socket.js';
import { signal, type Readable } from './store.js';
import type { BinaryInput, ChannelPublisher, CursorShare } from './stubs.js';

export { RpcError };
export type { LiveStore, StreamStatus } from './stream.js';
export type { Loaded, LoadEvent } from '../ssr-contract.js';
export type { CursorEntry } from '../server/kinds/cursor.js';
export type { Readable, Subscriber, Unsubscriber } from './store.js';
export type { ConnectionStatus, ConnectionState } from './status.js';
export type { BinaryInput, ChannelPublisher, CursorShare } from './stubs.js';
export { configure } from './page-socket.js';
export { history } from './history.js';
export type { History, HistoryEvent, HistoryOptions, HistoryState } from './history.js';

/** Bytes come back as a Uint8Array; anything else as itself. */
type BinaryResult<R> = R extends ArrayBuffer | ArrayBufferView ? Uint8Array : R;

/** A store, or for a dynamic export (its topic a function of the arguments) a function returning one. */
type StoreExport<Args extends unknown[], Store, Dynamic> = Dynamic extends true ? (...args: Args) => Store : Store;

/**
 * What `$live/x` exports for a server export `T`, by its kind. Keyed by kind, so a kind with a
 * client export in runtime/kinds.ts but no entry here fails to compile (see Client).
 */
interface ClientTypes<T> {
  live: T extends LiveFunction<infer Args, infer Result> ? (...args: Args) => Promise<Awaited<Result>> : never;
  stream: T extends LiveStream<infer Args, infer Value, infer Dynamic, infer Merge>
    ? StoreExport<Args, Merge extends 'presence' ? PresenceStore<Awaited<Value>[]> : LiveStore<Awaited<Value>>, Dynamic>
    : never;
  derived: T extends LiveDerived<infer Args, infer Value, infer Dynamic> ? StoreExport<Args, LiveStore<Awaited<Value>>, Dynamic> : never;
  aggregate: T extends LiveAggregate<infer Value> ? LiveStore<Value> : never;
  binary: T extends LiveBinary<infer Args, infer Result> ? (data: BinaryInput, ...args: Args) => Promise<BinaryResult<Awaited<Result>>> : never;
  channel: T extends LiveChannel<infer Args, infer Message, infer Merge, infer Dynamic, infer Profile>
    ? StoreExport<Args, LiveStore<ChannelValue<Message, Merge, Profile>> & ChannelPublisher<Message>, Dynamic>
    : never;
  room: T extends LiveRoom<infer Data, infer Member, infer Actions, infer Profile, infer Position>
    ? (roomId: string) => RoomClient<Awaited<Data>, Awaited<Member>, Actions, Profile, Position>
    : never;
}

/**
 * A presence stream's store: everyone present, one entry per member (what each one's init
 * returned); subscribing enters (init says who you are). `watch` holds the same members without
 * entering, for a page that shows who is there without being counted.
 */
export type PresenceStore<Members> = LiveStore<Members> & { readonly watch: LiveStore<Members> };

/** Fails to compile while a kind with a client export has no entry in ClientTypes. */
type EveryClientKind<Types extends Record<ClientKind, unknown>> = Types;

/** The client side of a server export: what `$live/x` exports for it. */
export type Client<T> = T extends { readonly [HANDLER]: infer Kind extends ClientKind } ? EveryClientKind<ClientTypes<T>>[Kind] : never;

/**
 * What a room export returns for one room id. Members and cursors are keyed by who they are:
 * `user:<id>` for a signed-in user (the `id` `upgrade` returned), `connection:<connectionId>`
 * for a guest tab. With the room's `select`, presence entries are `{ key, user }` and cursor
 * entries `{ key, data, user }`, `user` being the profile `select` returned.
 */
export type RoomClient<Data, Member, Actions, Profile = undefined, Position = unknown> = {
  readonly id: string;
  /** The room's data, folded by its merge. */
  readonly data: LiveStore<Data>;
  /** Everyone in the room, one entry per user. Subscribing to it is what enters the room. */
  readonly presence: LiveStore<Member[]>;
  /**
   * The same members as `presence`, watched without entering: this page is not counted and no
   * join hook runs for it. For a list of rooms that shows how many are in each.
   */
  readonly watch: LiveStore<Member[]>;
  /**
   * Every cursor in the room, one frame per server tick carrying all that moved. Subscribing
   * also lets this page move its own (`moveCursor`); it leaves when the subscription ends.
   */
  readonly cursors: LiveStore<CursorEntry<Position, Profile>[]>;
  /** Sends this user's cursor; needs a subscription to `cursors` or an active `shareCursor()`. */
  moveCursor(position: Position): Promise<void>;
  /**
   * Shares this user's cursor without receiving the others' (a bot, a small screen): the cursor
   * is listed from its first `move` until `stop()` or the socket closing.
   */
  shareCursor(): CursorShare<Position>;
} & {
  readonly [K in keyof Actions]: Actions[K] extends (ctx: any, ...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

const idleStatus = signal<ConnectionStatus>({ state: 'idle', attempts: 0, latency: null, connectionId: null, connection: null });

/** The page's connection: state, reconnect attempts, latency, and why the server refused it. */
export const connection: Readable<ConnectionStatus> = {
  subscribe: (run, invalidate) => (liveSocket()?.status ?? idleStatus).subscribe(run, invalidate)
};

/**
 * Closes the page's socket and opens a new one, whose upgrade runs with the current cookies:
 * call it after a login, a logout or a token refresh. Every store resubscribes from its
 * position; calls waiting for the socket are sent on the new one, calls in flight on the old
 * one fail with DISCONNECTED. Resolves with the connection's status once the new socket is open
 * or refused (on the server, where no socket exists, with `idle` at once).
 */
export function reconnect(): Promise<ConnectionStatus> {
  const socket = liveSocket();
  return socket ? reopen(socket) : Promise.resolve(idleStatus.get());
}

/**
 * Calls `handler` with the data of every `event` the server signals to this user or this
 * connection (`ctx.signal(to, event, data)` / `signal(...)` in svelte-realtime/server), and
 * keeps the page's socket open meanwhile. Returns the function that stops listening; in an
 * effect, return it:
 *
 *   $effect(() => onSignal<{ text: string }>('notice', (data) => toast(data.text)));
 *
 * Signals sent while the page is offline are not delivered later. On the server (SSR) it does
 * nothing.
 */
export function onSignal<T = unknown>(event: string, handler: (data: T, event: string) => void): () => void {
  if (typeof event !== 'string' || typeof handler !== 'function') throw new RpcError('INVALID_OPTION', 'onSignal(event, handler): event must be a string and handler a function');
  const socket = liveSocket();
  return socket ? listenForSignal(socket, event, handler as (data: unknown, event: string) => void) : () => {};
}
