/**
 * Stream stores: a Svelte store per live.stream, subscribed on the server while the page has
 * subscribers, folding each event in with the stream's merge strategy.
 *
 * The value survives unsubscribe and reconnect: the next subscription resumes from the last
 * sequence number, and only falls back to the stream's init when the server cannot replay.
 *
 * What the page sees is the server's value with the pending optimistic changes folded over it.
 * Keeping the two apart is what lets a rollback restore exactly, whatever the server sent in
 * between: the change is dropped from the list and the value is folded again.
 *
 * Events are not folded one by one as they arrive: they wait for the next update of the page's
 * stores (frame-updates.ts: one per animation frame by default), and a burst is folded in one
 * pass. A read (`get(store)`, `optimistic`, the DevTools) folds what waits first.
 */
import type { EventMessage, MergeOptions, TopicPosition } from '../protocol.js';
import { applyEvent, applyEvents, keyOf } from '../merge.js';
import { cancelUpdate, requestUpdate, runNow, type PendingUpdate } from './frame-updates.js';
import type { Use } from './per-args.js';
import { RpcError } from './rpc-error.js';
import type { LiveSocket } from './socket.js';
import { restartSubscription, type SubscriptionSink } from './subscriptions.js';
import type { LoadEvent, Loaded } from '../ssr-contract.js';
import { isLoaded, ssrHost } from './ssr.js';
import { signal, type Readable } from './store.js';

export type StreamStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface LiveStore<T> extends Readable<T | undefined> {
  /** `loading` until the first value, `ready` after, `error` when the server refused. */
  readonly status: Readable<StreamStatus>;
  readonly error: Readable<RpcError | null>;
  /**
   * Folds `event` with `data` into the value now, before the server confirms. Returns the
   * rollback: it removes exactly this change, keeping every server event that arrived since.
   * A server event for the same key (or, for `set`, any server event) settles the change.
   */
  optimistic(event: string, data: unknown): () => void;
  /**
   * Seeds the store with what `load(event)` returned in `+page.server.ts` (or a plain value),
   * unless it already holds something newer, and returns the store to render. The subscription
   * then resumes from the loaded position instead of running init again.
   */
  hydrate(data: Loaded<T> | T): LiveStore<T>;
  /** A paginated stream's next page; resolves to whether more pages remain. */
  loadMore(): Promise<boolean>;
  /** True while a paginated stream has pages left to load. */
  readonly hasMore: Readable<boolean>;
  /** On the server (`+page.server.ts`): runs the stream's init for the request's user. */
  load(event: LoadEvent): Promise<Loaded<T>>;
}

interface Op {
  event: string;
  data: unknown;
}

const DEFAULT_MERGE: MergeOptions = { merge: 'crud', key: 'id', max: 50 };

/** Adds a page of items to a list: items already present (by key) are replaced in place. */
function addPage(list: unknown, items: unknown[], merge: MergeOptions): unknown[] {
  const current = Array.isArray(list) ? list : [];
  const byKey = new Map(items.map((item) => [keyOf(item, merge.key), item]));
  const kept = current.map((item) => {
    const k = keyOf(item, merge.key);
    if (!byKey.has(k)) return item;
    const replacement = byKey.get(k);
    byKey.delete(k);
    return replacement;
  });
  const fresh = items.filter((item) => byKey.has(keyOf(item, merge.key)));
  return merge.paginate === 'before' ? [...fresh, ...kept] : [...kept, ...fresh];
}

/** `use` hears when the store gains its first subscriber and loses its last (see per-args.ts). */
export function createStream<T>(socket: () => LiveSocket | null, path: string, args: unknown[], use?: Use): LiveStore<T> {
  const status = signal<StreamStatus>('idle');
  const error = signal<RpcError | null>(null);
  const hasMore = signal(false);
  let position: TopicPosition | undefined;
  let merge: MergeOptions | undefined;
  /** The value as the server sees it. */
  let base: unknown;
  let pending: Op[] = [];
  let next: unknown = null;
  let loadingMore: Promise<boolean> | undefined;
  /** Server events already checked against the position, waiting for the next store update. */
  let arrived: EventMessage[] = [];
  /** True when `base` took events the subscribers have not been shown yet. */
  let folded = false;

  /** The server's value with the optimistic changes over it. */
  const visible = (): unknown => {
    let shown = base;
    for (const op of pending) shown = applyEvent(shown, op.event, op.data, merge ?? DEFAULT_MERGE);
    return shown;
  };

  /** Shows the value now; a caller that changes `base` or `pending` first folds what waits (`runNow`). */
  const render = () => {
    folded = false;
    value.set(visible() as T);
  };

  /** Folds the events that arrived since the last update in one pass; `show` then tells the subscribers. */
  const update: PendingUpdate = {
    fold() {
      const events = arrived;
      if (events.length === 0 || !merge) return;
      arrived = [];
      for (const message of events) settle(message, merge);
      base = applyEvents(base, events, merge);
      folded = true;
    },
    show() {
      if (folded) render();
    }
  };

  /** Reads a snapshot or page result: `{ items, next }` for paginated streams. */
  const accept = (data: unknown, options: MergeOptions): unknown => {
    if (!options.paginate) return data;
    const page = (data ?? {}) as { items?: unknown[]; next?: unknown };
    next = page.next ?? null;
    hasMore.set(next !== null);
    return Array.isArray(page.items) ? page.items : [];
  };

  /** Drops the optimistic changes a server event supersedes. */
  const settle = (message: EventMessage, options: MergeOptions) => {
    if (pending.length === 0) return;
    if (options.merge === 'set') {
      pending = [];
      return;
    }
    const key = keyOf(message.data, options.key);
    if (key !== undefined) pending = pending.filter((op) => keyOf(op.data, options.key) !== key);
  };

  const value = signal<T | undefined>(undefined, () => {
    use?.(1);
    const live = socket();
    if (!live) return () => use?.(-1);
    if (status.get() !== 'ready') status.set('loading');
    const sink: SubscriptionSink = {
      path,
      args,
      position: () => position,
      value: () => {
        runNow(update);
        return value.get();
      },
      snapshot(_topic, at, options, data) {
        // The snapshot is the value from here on: events that waited are part of it or older.
        arrived = [];
        cancelUpdate(update);
        position = at;
        merge = options;
        base = accept(data, options);
        render();
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
          restartSubscription(live, sink);
          return;
        }
        position = { epoch: position.epoch, seq: message.seq };
        arrived.push(message);
        requestUpdate(update);
      },
      error(e) {
        position = undefined;
        error.set(e);
        status.set('error');
      }
    };
    const unsubscribe = live.subscribe(sink);
    return () => {
      use?.(-1);
      unsubscribe();
      // Left before the first value: nothing is loading any more.
      if (status.get() === 'loading') status.set('idle');
    };
  });

  const store: LiveStore<T> = {
    subscribe(run, invalidate) {
      // A new reader (`get(store)`, a component mounting) sees every event that arrived.
      runNow(update);
      return value.subscribe(run, invalidate);
    },
    status,
    error,
    hasMore,
    optimistic(event, data) {
      // Events that arrived before this change are folded (and settle what they supersede) first.
      runNow(update);
      const op: Op = { event, data };
      pending = [...pending, op];
      render();
      return () => {
        if (!pending.includes(op)) return;
        runNow(update);
        pending = pending.filter((p) => p !== op);
        render();
      };
    },
    hydrate(data) {
      // On the server a store is shared by every request: never seed it, render a copy.
      if (!socket()) return staticStream(isLoaded(data) ? (data.value as T) : (data as T));
      runNow(update);
      if (isLoaded(data)) {
        const newer = position && position.epoch === data.position.epoch && position.seq >= data.position.seq;
        if (!newer) {
          position = data.position;
          merge = data.merge;
          base = data.value;
          if (data.merge.paginate) {
            next = data.next ?? null;
            hasMore.set(next !== null);
          }
          render();
          status.set('ready');
        }
      } else if (status.get() !== 'ready') {
        base = data;
        render();
      }
      return store;
    },
    loadMore() {
      const live = socket();
      if (!live || !merge?.paginate || next === null) return Promise.resolve(false);
      const options = merge;
      loadingMore ??= live
        .call(path, [next, ...args])
        .then((page) => {
          const items = accept(page, options) as unknown[];
          runNow(update);
          base = addPage(base, items, options);
          render();
          return next !== null;
        })
        .finally(() => (loadingMore = undefined));
      return loadingMore;
    },
    async load(event) {
      return (await ssrHost(path).ssrLoad(path, args, event)) as Loaded<T>;
    }
  };
  return store;
}

/** A store that only holds `value`: what `hydrate` gives during server rendering. */
function staticStream<T>(data: T): LiveStore<T> {
  const ready = signal<StreamStatus>('ready');
  const store: LiveStore<T> = {
    subscribe: signal<T | undefined>(data).subscribe,
    status: ready,
    error: signal<RpcError | null>(null),
    hasMore: signal(false),
    optimistic: () => () => {},
    hydrate: () => store,
    loadMore: () => Promise.resolve(false),
    load: () => Promise.reject(new RpcError('SERVER_ONLY', 'load(event) is called on the stream export, not on a hydrated copy'))
  };
  return store;
}
