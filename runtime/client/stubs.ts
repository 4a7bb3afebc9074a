/**
 * The factories the generated `$live/*` modules are made of: one call per export, with the
 * export's `module/export` path (see plugin/generate.ts; which factory a kind uses is its
 * `client` in runtime/kinds.ts). Served to the stubs from svelte-realtime/internal/client, not
 * from the public entry.
 */
import { CURSOR_ACTION, ROOM_OBJECT_FIELDS, WATCH_ARG } from '../protocol.js';
import type { LoadEvent } from '../ssr-contract.js';
import { callBinary } from './binary-calls.js';
import { liveSocket } from './page-socket.js';
import { perArgs, type Use } from './per-args.js';
import { RpcError } from './rpc-error.js';
import { ssrHost } from './ssr.js';
import { createStream, type LiveStore } from './stream.js';
import { read } from './store.js';

/** What a live.binary function accepts as its payload. */
export type BinaryInput = Blob | ArrayBuffer | ArrayBufferView;

/** A live function (and a validated or rate-limited one): a call that resolves with its result. */
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

function createChannel(path: string, args: unknown[], use?: Use): LiveStore<unknown> & ChannelPublisher<unknown> {
  const publish = __rpc(path);
  return Object.assign(createStream<unknown>(liveSocket, path, args, use), {
    publish: (event: string, data: unknown) => publish(args, event, data) as Promise<void>
  });
}

/** A static channel: one shared store with publish. */
export function __channel(path: string): LiveStore<unknown> & ChannelPublisher<unknown> {
  return createChannel(path, []);
}

/** A dynamic channel: one store with publish per distinct argument list. */
export function __channelFactory(path: string): (...args: unknown[]) => LiveStore<unknown> & ChannelPublisher<unknown> {
  return perArgs((args, use) => createChannel(path, args, use));
}

/** Names a room object answers itself; every other string property is one of its actions. */
const ROOM_FIELDS: ReadonlySet<string> = new Set(ROOM_OBJECT_FIELDS);

/** A cursor shared without receiving the others' (a room's `shareCursor()`). */
export interface CursorShare<Position = unknown> {
  /** Moves this user's cursor; resolves once the server took it (its first frame shows it). */
  move(position: Position): Promise<void>;
  /** Stops sharing: the cursor leaves the room unless another tab of the user still holds it. */
  stop(): void;
}

/** What `shareCursor` needs of a part's store: its value and its status. */
type PartStore = LiveStore<unknown>;

/**
 * Shares the cursor through a send-only subscription (`share`): while it lasts the server lists
 * the cursor, and it receives nothing. A move waits for that subscription to be in place.
 */
function shareCursor(share: PartStore, move: (position: unknown) => Promise<unknown>): CursorShare {
  let stopped = false;
  const waiting: { resolve(): void; reject(error: unknown): void }[] = [];
  const stopValue = share.subscribe(() => {});
  let status = 'idle';
  const stopStatus = share.status.subscribe((now) => {
    status = now;
    if (now === 'loading') return;
    for (const wait of waiting.splice(0)) {
      if (now === 'error') wait.reject(errorOf(share));
      else wait.resolve();
    }
  });
  const ready = (): Promise<void> => {
    if (status !== 'loading') return status === 'error' ? Promise.reject(errorOf(share)) : Promise.resolve();
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
  return {
    async move(position) {
      if (stopped) throw new RpcError('STOPPED', 'This cursor share was stopped; call room.shareCursor() again to share the cursor');
      await ready();
      await move(position);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      stopStatus();
      stopValue();
      for (const wait of waiting.splice(0)) wait.reject(new RpcError('STOPPED', 'The cursor share was stopped'));
    }
  };
}

function errorOf(store: PartStore): RpcError {
  return read(store.error) ?? new RpcError('INTERNAL', 'The cursor share was refused');
}

/**
 * The object a room id gives: `id`, its stores (made by `part`), `moveCursor`, `shareCursor`,
 * and an action for every other name, each calling the room through `call` (arguments after
 * the id).
 */
export function roomObject(id: string, part: (name: string) => unknown, call: (...args: unknown[]) => Promise<unknown>): unknown {
  const moveCursor = (position: unknown) => call(CURSOR_ACTION, position);
  const fields: Record<string, unknown> = {
    id,
    data: part('data'),
    presence: part('presence'),
    watch: part('watch'),
    cursors: part('cursors'),
    moveCursor,
    shareCursor: () => shareCursor(part('share-cursor') as PartStore, moveCursor)
  };
  const actions = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(fields, {
    get(target, name) {
      if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return undefined;
      if (ROOM_FIELDS.has(name)) return target[name];
      let action = actions.get(name);
      if (!action) actions.set(name, (action = (...args: unknown[]) => call(name, ...args)));
      return action;
    }
  });
}

/** A room: a function of the room id returning its stores and actions (one object per id). */
export function __room(path: string): (id: string) => unknown {
  const call = __rpc(path);
  return perArgs(([id], use) =>
    roomObject(
      id as string,
      (name) => createStream(liveSocket, path, [id, name], use),
      (...args) => call(id, ...args)
    )
  );
}

/** A live.binary function: its payload travels in a binary frame. */
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
    return callBinary(live, path, bytes, args);
  };
}

/** A static stream (and a derived or aggregate one): one shared store. */
export function __stream(path: string): LiveStore<unknown> {
  return streamStore(path, []);
}

/** A dynamic stream: one store per distinct argument list. */
export function __streamFactory(path: string): (...args: unknown[]) => LiveStore<unknown> {
  return perArgs((args, use) => streamStore(path, args, use));
}

/**
 * A stream's store, with `watch` (made on first read): for a presence stream, the same members
 * without entering; the server refuses it for any other stream.
 */
function streamStore(path: string, args: unknown[], use?: Use): LiveStore<unknown> {
  return withWatch(createStream(liveSocket, path, args, use), () => createStream(liveSocket, path, [...args, WATCH_ARG], use));
}

/** Gives `store` its `watch`, made by `watcher` on first read (shared with svelte-realtime/test's bindings). */
export function withWatch<S extends object>(store: S, watcher: () => unknown): S {
  let watch: unknown;
  return Object.defineProperty(store, 'watch', { get: () => (watch ??= watcher()) });
}
