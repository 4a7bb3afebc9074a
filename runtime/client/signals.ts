/**
 * `onSignal(event, handler)`: hears what the server sends this user or this connection with
 * `ctx.signal(...)` / `signal(...)` (runtime/server/signals.ts). The server has every
 * connection follow its signal topics from the moment it opens, so nothing is subscribed here:
 * events on a topic no store follows are handed to the socket's `onSignal`, and a listener keeps
 * the socket open (opening it if needed) until it is removed. Signals sent while the page is
 * offline are not delivered later.
 */
import type { EventMessage } from '../protocol.js';
import { connect } from './reconnect.js';
import type { LiveSocket } from './socket.js';

type SignalHandler = (data: unknown, event: string) => void;

const SIGNAL_TOPIC = '@signal:';
const listeners = new WeakMap<LiveSocket, Map<string, Set<SignalHandler>>>();

/** Adds `handler` for `event` on `socket`; returns the function that removes it. */
export function listenForSignal(socket: LiveSocket, event: string, handler: SignalHandler): () => void {
  let byEvent = listeners.get(socket);
  if (!byEvent) listeners.set(socket, (byEvent = new Map()));
  let set = byEvent.get(event);
  if (!set) byEvent.set(event, (set = new Set()));
  set.add(handler);
  socket.onSignal = (message: EventMessage) => {
    if (!message.topic.startsWith(SIGNAL_TOPIC)) return;
    for (const heard of [...(byEvent.get(message.event) ?? [])]) heard(message.data, message.event);
  };
  connect(socket);
  return () => {
    if (!set.delete(handler)) return;
    if (set.size === 0) byEvent.delete(event);
    if (byEvent.size === 0) socket.onSignal = undefined;
  };
}
