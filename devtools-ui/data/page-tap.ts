/**
 * What this page's socket does, for the overlay. `watchPageSockets` drains the registration
 * point the dev plugin installed (see the DevTools wire's tap.ts) and hears of later sockets.
 * Watching sets the socket's typed `tap` hook and subscribes to its status: production pages,
 * which have no registration point, pay nothing, and a dev page pays one call per message.
 */
import type { EventStore } from './event-store.js';
import { TimeTravel } from './time-travel.js';
import { isInternalCall, preview, TAP_KEY, type Preview, type TappedMessage, type TappedSocket, type TapQueue } from 'virtual:svelte-realtime/devtools-wire';

export interface PageStore {
  id: number;
  path: string;
  args: readonly unknown[];
  topic: string | undefined;
  value: Preview;
}

export interface PageTap {
  /** The stores this page holds, with their current values. */
  stores(): PageStore[];
  /** The sockets watched (the network conditions act on them). */
  sockets(): readonly TappedSocket[];
  /** This page's topics over time: their values at each position, rewind and resume. */
  readonly travel: TimeTravel;
  stop(): void;
}

/** Starts feeding `store` with what the page's sockets do, now and later. */
export function watchPageSockets(store: EventStore, scope: Record<symbol, unknown> = globalThis as Record<symbol, unknown>): PageTap {
  const queue = scope[TAP_KEY] as TapQueue | undefined;
  const watched: TappedSocket[] = [];
  const stops: (() => void)[] = [];
  const travel = new TimeTravel(() => watched);
  const watch = (socket: TappedSocket) => {
    watched.push(socket);
    stops.push(watchSocket(socket, store, travel));
  };
  if (queue) {
    for (const socket of queue.sockets) watch(socket);
    queue.onSocket = watch;
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
    sockets: () => watched,
    travel,
    stop() {
      if (queue) queue.onSocket = undefined;
      for (const stop of stops) stop();
    }
  };
}

function watchSocket(socket: TappedSocket, store: EventStore, travel: TimeTravel): () => void {
  const unsubscribe = socket.status.subscribe((status) => store.pageStatus(status));
  const calls = socket.calls;
  socket.tap = (message: TappedMessage) => {
    switch (message.t) {
      case 'call':
        return store.pageCall(message.id, message.path, Date.now(), isInternalCall(calls.get(message.id)?.message?.args));
      case 'result':
      case 'error':
        if (message.id !== null && calls.has(message.id)) store.pageReply(message.id, message.t === 'result', Date.now());
        return;
      case 'event':
        store.pageUpdate(message.topic, message.seq, message.event, message.data, Date.now(), travel.timeline(message.topic)?.base.position.epoch);
        return travel.record(message);
      case 'snapshot':
        store.pageTopic(message.topic);
        return travel.record(message);
      case 'resumed':
        return store.pageTopic(message.topic);
    }
  };
  return () => {
    unsubscribe();
    socket.tap = undefined;
  };
}
