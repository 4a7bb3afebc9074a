/**
 * What this page's socket does, for the overlay. `watchPageSockets` drains the registration
 * point the dev plugin installed (see the DevTools wire's tap.ts) and hears of later sockets.
 * Watching wraps the socket's message handler and its call table on that one
 * instance: production pages, which have no registration point, pay nothing.
 */
import type { EventStore } from './event-store.js';
import { preview, TAP_KEY, type Preview, type TapQueue } from 'virtual:svelte-realtime/devtools-wire';

/** The parts of the client runtime's LiveSocket the overlay reads (internal to this package). */
interface WatchedSocket {
  status: { get(): PageStatus; subscribe(run: (value: PageStatus) => void): () => void };
  calls: Map<number, { path: string }>;
  subscriptions: Map<number, { path: string; args: unknown[]; value?(): unknown }>;
  sinkTopics: Map<object, string>;
  handle(message: IncomingMessage): void;
}

interface PageStatus {
  state: string;
  attempts: number;
  latency: number | null;
  connection: string | null;
}

type IncomingMessage =
  | { t: 'result'; id: number }
  | { t: 'error'; id: number | null }
  | { t: 'snapshot'; id: number; topic: string }
  | { t: 'resumed'; id: number; topic: string }
  | { t: 'event'; topic: string; seq: number; event: string; data: unknown }
  | { t: string };

export interface PageStore {
  id: number;
  path: string;
  args: unknown[];
  topic: string | undefined;
  value: Preview;
}

export interface PageTap {
  /** The stores this page holds, with their current values. */
  stores(): PageStore[];
  stop(): void;
}

/** Starts feeding `store` with what the page's sockets do, now and later. */
export function watchPageSockets(store: EventStore, scope: Record<symbol, unknown> = globalThis as Record<symbol, unknown>): PageTap {
  const tap = scope[TAP_KEY] as TapQueue | undefined;
  const watched: WatchedSocket[] = [];
  const stops: (() => void)[] = [];
  const watch = (socket: unknown) => {
    const s = socket as WatchedSocket;
    watched.push(s);
    stops.push(watchSocket(s, store));
  };
  if (tap) {
    for (const socket of tap.sockets) watch(socket);
    tap.onSocket = watch;
  }
  return {
    stores() {
      const out: PageStore[] = [];
      for (const socket of watched) {
        for (const [id, sink] of socket.subscriptions) {
          out.push({ id, path: sink.path, args: sink.args, topic: socket.sinkTopics.get(sink), value: preview(sink.value?.()) });
        }
      }
      return out;
    },
    stop() {
      if (tap) tap.onSocket = undefined;
      for (const stop of stops) stop();
    }
  };
}

function watchSocket(socket: WatchedSocket, store: EventStore): () => void {
  const unsubscribe = socket.status.subscribe((status) => store.pageStatus(status));

  const calls = socket.calls;
  const set = calls.set;
  calls.set = function (id, pending) {
    if (!calls.has(id)) store.pageCall(id, pending.path, Date.now());
    return set.call(this, id, pending);
  };

  const handle = socket.handle;
  socket.handle = function (message) {
    const now = Date.now();
    if (message.t === 'result' || message.t === 'error') {
      const id = (message as { id: number | null }).id;
      if (id !== null && calls.has(id)) store.pageReply(id, message.t === 'result', now);
    } else if (message.t === 'event') {
      const event = message as { topic: string; seq: number; event: string; data: unknown };
      store.pageUpdate(event.topic, event.seq, event.event, event.data, now);
    } else if (message.t === 'snapshot' || message.t === 'resumed') {
      store.pageTopic((message as { topic: string }).topic);
    }
    return handle.call(this, message);
  };

  return () => {
    unsubscribe();
    calls.set = set;
    socket.handle = handle;
  };
}
