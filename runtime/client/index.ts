/**
 * svelte-realtime/client: what `$live/*` modules are made of, and what a page may use directly.
 */
import type { LiveFunction, LiveStream } from '../server/handlers.js';
import type { LiveBinary } from '../server/kinds/binary.js';
import type { LiveDerived } from '../server/kinds/derived.js';
import type { LiveAggregate } from '../server/kinds/aggregate.js';
import { LiveSocket, type ConnectionStatus, type SocketOptions } from './socket.js';
import { createStream, type LiveStore } from './stream.js';
import { RpcError } from './rpc-error.js';
import { signal, type Readable } from './store.js';
import { argsKey } from '../protocol.js';

export { RpcError };
export type { LiveStore, StreamStatus } from './stream.js';
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
        : never;

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
  return (...args) => {
    const live = liveSocket();
    if (!live) {
      return Promise.reject(
        new RpcError('SSR', `${path} was called during server rendering; live functions run in the browser (call them in onMount or an event handler)`)
      );
    }
    return live.call(path, args);
  };
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
  const stores = new Map<string, LiveStore<unknown>>();
  return (...args) => {
    const key = argsKey(args);
    let store = stores.get(key);
    if (!store) stores.set(key, (store = createStream(liveSocket, path, args)));
    return store;
  };
}
