/**
 * Stream stores: a Svelte store per live.stream, subscribed on the server while the page has
 * subscribers, folding each event in with the stream's merge strategy.
 *
 * The value survives unsubscribe and reconnect: the next subscription resumes from the last
 * sequence number, and only falls back to the stream's init when the server cannot replay.
 */
import type { EventMessage, MergeOptions, TopicPosition } from '../protocol.js';
import { applyEvent } from './merge.js';
import type { RpcError } from './rpc-error.js';
import type { LiveSocket, SubscriptionSink } from './socket.js';
import { signal, type Readable } from './store.js';

export type StreamStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface LiveStore<T> extends Readable<T | undefined> {
  /** `loading` until the first value, `ready` after, `error` when the server refused. */
  readonly status: Readable<StreamStatus>;
  readonly error: Readable<RpcError | null>;
}

export function createStream<T>(socket: () => LiveSocket | null, path: string, args: unknown[]): LiveStore<T> {
  const status = signal<StreamStatus>('idle');
  const error = signal<RpcError | null>(null);
  let position: TopicPosition | undefined;
  let merge: MergeOptions | undefined;

  const value = signal<T | undefined>(undefined, () => {
    const live = socket();
    if (!live) return () => {};
    if (status.get() !== 'ready') status.set('loading');
    const sink: SubscriptionSink = {
      path,
      args,
      position: () => position,
      value: () => value.get(),
      snapshot(_topic, at, options, data) {
        position = at;
        merge = options;
        value.set(data as T);
        error.set(null);
        status.set('ready');
      },
      resumed(_topic, options) {
        merge = options;
        error.set(null);
        status.set('ready');
      },
      event(message: EventMessage) {
        if (!position || !merge || message.seq <= position.seq) return; // already in the value
        if (message.seq !== position.seq + 1) {
          // A gap cannot be folded in: start over from init.
          position = undefined;
          live.resubscribe(sink);
          return;
        }
        position = { epoch: position.epoch, seq: message.seq };
        value.set(applyEvent(value.get(), message.event, message.data, merge) as T);
      },
      error(e) {
        position = undefined;
        error.set(e);
        status.set('error');
      }
    };
    return live.subscribe(sink);
  });

  return { subscribe: value.subscribe, status, error };
}
