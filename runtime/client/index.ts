/**
 * svelte-realtime/client: what `$live/*` modules are made of, and what a page may use directly.
 */
import type { LiveFunction, LiveStream } from '../server/handlers.js';
import type { LiveBinary } from '../server/kinds/binary.js';
import type { ChannelValue, LiveChannel } from '../server/kinds/channel.js';
import type { CursorEntry } from '../server/kinds/cursor.js';
import type { LiveRoom } from '../server/kinds/room.js';
import type { LiveDerived } from '../server/kinds/derived.js';
import type { LiveAggregate } from '../server/kinds/aggregate.js';
import { LiveSocket, type ConnectionStatus, type SocketOptions } from './socket.js';
import { createStream, type LiveStore } from './stream.js';
import { RpcError } from './rpc-error.js';
import { ssrHost, type LoadEvent } from './ssr.js';
import { signal, type Readable } from './store.js';
import { argsKey } from '../protocol.js';

export { RpcError };
export type { LiveStore, StreamStatus } from './stream.js';
export type { Loaded, LoadEvent } from './ssr.js';
export type { CursorEntry } from '../server/kinds/cursor.js';
export type { Readable, Subscriber, Unsubscriber } from './store.js';
export type { ConnectionStatus, ConnectionState } from './socket.js';

/** What a live.binary function accepts as its payload. */
export type BinaryInput = Blob | ArrayBuffer | ArrayBufferView;

/** Bytes come back as a Uint8Array; anything else as itself. */
type BinaryResult<R> = R extends ArrayBuffer | ArrayBufferView ? Uint8Array : R;

/** The client side of a server export: what `$live/x` exports for it. */
export type Client<T> =
  T extends LiveFunction<infer Args, infer Result>
    ? (...args: Args) => Promise<Awaited<Result>>
    : T extends LiveStream<infer Args, infer Value, infer Dynamic>
      ? Dynamic extends true
        ? (...args: Args) => LiveStore<Awaited<Value>>
        : LiveStore<Awaited<Value>>
      : T extends LiveDerived<infer Args, infer Value, infer Dynamic>
        ? Dynamic extends true
          ? (...args: Args) => LiveStore<Awaited<Value>>
          : LiveStore<Awaited<Value>>
      : T extends LiveAggregate<infer Value>
        ? LiveStore<Value>
      : T extends LiveBinary<infer Args, infer Result>
        ? (data: BinaryInput, ...args: Args) => Promise<BinaryResult<Awaited<Result>>>
      : T extends LiveChannel<infer Args, infer Message, infer Merge, infer Dynamic>
        ? Dynamic extends true
          ? (...args: Args) => LiveStore<ChannelValue<Message, Merge>> & ChannelPublisher<Message>
          : LiveStore<ChannelValue<Message, Merge>> & ChannelPublisher<Message>
      : T extends LiveRoom<infer Data, infer Member, infer Actions>
        ? (roomId: string) => RoomClient<Awaited<Data>, Awaited<Member>, Actions>
        : never;

/** What a room export returns for one room id. */
export type RoomClient<Data, Member, Actions> = {
  readonly id: string;
  /** The room's data, folded by its merge. */
  readonly data: LiveStore<Data>;
  /** Everyone in the room, one entry per user. Subscribing to it is what enters the room. */
  readonly presence: LiveStore<Member[]>;
  /** The latest cursor of each user who moved one (subscribe before moving yours). */
  readonly cursors: LiveStore<CursorEntry[]>;
  /** Sends this user's cursor (throttled by the server). */
  moveCursor(position: unknown): Promise<void>;
} & {
  readonly [K in keyof Actions]: Actions[K] extends (ctx: any, ...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

const options: SocketOptions = { timeout: 30_000, baseDelay: 500, maxDelay: 15_000 };
let socket: LiveSocket | undefined;
const inBrowser = typeof window !== 'undefined' && typeof WebSocket !== 'undefined';

/** The page's socket, created on first use; null on the server (SSR opens no socket). */
function liveSocket(): LiveSocket | null {
  if (!inBrowser) return null;
  socket ??= new LiveSocket(options);
  return socket;
}

/** Changes client options; call before the first RPC or subscription. */
export function configure(next: Partial<Pick<SocketOptions, 'url' | 'timeout' | 'baseDelay' | 'maxDelay'>>): void {
  Object.assign(options, next);
}

const idleStatus = signal<ConnectionStatus>({ state: 'idle', attempts: 0, latency: null, connection: null });

/** The page's connection: state, reconnect attempts, latency. */
export const connection: Readable<ConnectionStatus> = {
  subscribe: (run, invalidate) => (liveSocket()?.status ?? idleStatus).subscribe(run, invalidate)
};

/** @internal Used by generated `$live/*` modules. */
export function __rpc(path: string): (...args: unknown[]) => Promise<unknown> {
  // A plain function, so `fn.call(event, ...args)` in +page.server.ts passes the request event as `this`.
  return function (this: unknown, ...args) {
    const live = liveSocket();
    if (live) return live.call(path, args);
    if (isEvent(this)) {
      try {
        return ssrHost(path).ssrCall(path, args, this);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return Promise.reject(
      new RpcError(
        'SSR',
        `${path} was called during server rendering; live functions run in the browser (call them in onMount or an event handler), or in +page.server.ts as ${path.split('/').pop()}.call(event, ...args)`
      )
    );
  };
}

function isEvent(value: unknown): value is LoadEvent {
  return typeof value === 'object' && value !== null && typeof Request !== 'undefined' && (value as { request?: unknown }).request instanceof Request;
}

/** What a channel's client export adds to its store. */
export interface ChannelPublisher<Message> {
  /** Publishes to the channel (where the server allows it); resolves once the server accepted. */
  publish(event: string, data: Message): Promise<void>;
}

function createChannel(path: string, args: unknown[]): LiveStore<unknown> & ChannelPublisher<unknown> {
  const publish = __rpc(path);
  return Object.assign(createStream<unknown>(liveSocket, path, args), {
    publish: (event: string, data: unknown) => publish(args, event, data) as Promise<void>
  });
}

/** @internal A static channel: one shared store with publish. */
export function __channel(path: string): LiveStore<unknown> & ChannelPublisher<unknown> {
  return createChannel(path, []);
}

/** @internal A dynamic channel: one store with publish per distinct argument list. */
export function __channelFactory(path: string): (...args: unknown[]) => LiveStore<unknown> & ChannelPublisher<unknown> {
  return perArgs((args) => createChannel(path, args));
}

/**
 * One value per distinct argument list (equal arguments share a store and its subscription);
 * arguments JSON cannot carry exactly (a Date, a Map...) get a fresh one on each call.
 */
function perArgs<T>(create: (args: unknown[]) => T): (...args: unknown[]) => T {
  const made = new Map<string, T>();
  return (...args) => {
    const key = argsKey(args);
    if (key === undefined) return create(args);
    let value = made.get(key);
    if (value === undefined) made.set(key, (value = create(args)));
    return value;
  };
}

/** Names a room object answers itself; every other string property is one of its actions. */
const ROOM_FIELDS = new Set(['id', 'data', 'presence', 'cursors', 'moveCursor']);

/** @internal A room: a function of the room id returning its stores and actions (one object per id). */
export function __room(path: string): (id: string) => unknown {
  const call = __rpc(path);
  return perArgs(([id]) => {
    const fields: Record<string, unknown> = {
      id,
      data: createStream(liveSocket, path, [id, 'data']),
      presence: createStream(liveSocket, path, [id, 'presence']),
      cursors: createStream(liveSocket, path, [id, 'cursors']),
      moveCursor: (position: unknown) => call(id, '~cursor', position)
    };
    const actions = new Map<string, (...args: unknown[]) => Promise<unknown>>();
    return new Proxy(fields, {
      get(target, name) {
        if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return undefined;
        if (ROOM_FIELDS.has(name)) return target[name];
        let action = actions.get(name);
        if (!action) actions.set(name, (action = (...args: unknown[]) => call(id, name, ...args)));
        return action;
      }
    });
  });
}

/** @internal Used by generated `$live/*` modules for live.binary exports. */
export function __binary(path: string): (data: BinaryInput, ...args: unknown[]) => Promise<unknown> {
  return async (data, ...args) => {
    const live = liveSocket();
    if (!live) return Promise.reject(new RpcError('SSR', `${path} was called during server rendering; live functions run in the browser`));
    const bytes =
      data instanceof Uint8Array
        ? data
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : ArrayBuffer.isView(data)
            ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
            : new Uint8Array(await data.arrayBuffer());
    return live.callBinary(path, bytes, args);
  };
}

/** @internal A static stream: one shared store. */
export function __stream(path: string): LiveStore<unknown> {
  return createStream(liveSocket, path, []);
}

/** @internal A dynamic stream: one store per distinct argument list. */
export function __streamFactory(path: string): (...args: unknown[]) => LiveStore<unknown> {
  return perArgs((args) => createStream(liveSocket, path, args));
}
