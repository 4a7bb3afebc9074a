/**
 * Stream subscriptions: each store that has subscribers holds one, by request id. The server
 * names the topic a subscription follows in its snapshot (or its resume), and events are
 * routed by topic to every store following it. Topics are forgotten when the socket drops:
 * the reopened socket subscribes again and the server names them again.
 */
import type { EventMessage, MergeOptions, SnapshotMessage, ResumedMessage, SubscribeMessage, TopicPosition } from '../protocol.js';
import type { RpcError } from './rpc-error.js';
import type { LiveSocket } from './socket.js';

/** What a stream store gives the socket to be told about its subscription. */
export interface SubscriptionSink {
  path: string;
  args: unknown[];
  /** Where to resume from after a reconnect; undefined to start fresh. */
  position(): TopicPosition | undefined;
  snapshot(topic: string, position: TopicPosition, merge: MergeOptions, data: unknown): void;
  resumed(topic: string, merge: MergeOptions): void;
  event(message: EventMessage): void;
  error(error: RpcError): void;
  /** The store's current value (read by the DevTools). */
  value?(): unknown;
}

/** Subscribes `sink` (now, or once the socket opens); returns the unsubscribe. */
export function addSubscription(socket: LiveSocket, sink: SubscriptionSink): () => void {
  const id = socket.nextId++;
  socket.subscriptions.set(id, sink);
  socket.enqueue(subscribeMessage(id, sink));
  return () => {
    if (!socket.subscriptions.delete(id)) return;
    forgetTopic(socket, sink);
    if (socket.ready) socket.enqueue({ t: 'unsub', id });
  };
}

/**
 * Starts a subscription again (after a gap in sequence numbers, once the store has forgotten its
 * position, so from scratch), under a new id.
 */
export function restartSubscription(socket: LiveSocket, sink: SubscriptionSink): void {
  for (const [id, s] of socket.subscriptions) {
    if (s !== sink) continue;
    socket.enqueue({ t: 'unsub', id });
    socket.subscriptions.delete(id);
    forgetTopic(socket, sink);
    const fresh = socket.nextId++;
    socket.subscriptions.set(fresh, sink);
    socket.enqueue(subscribeMessage(fresh, sink));
    return;
  }
}

/** The `sub` message for `sink`, resuming from its position when it has one. */
export function subscribeMessage(id: number, sink: SubscriptionSink): SubscribeMessage {
  const from = sink.position();
  return from ? { t: 'sub', id, path: sink.path, args: sink.args, from } : { t: 'sub', id, path: sink.path, args: sink.args };
}

/** A subscription's first answer: the topic it follows, with a snapshot or a resume. */
export function subscribed(socket: LiveSocket, message: SnapshotMessage | ResumedMessage): void {
  const sink = socket.subscriptions.get(message.id);
  if (!sink) return;
  rememberTopic(socket, sink, message.topic);
  if (message.t === 'snapshot') sink.snapshot(message.topic, message.position, message.merge, message.data);
  else sink.resumed(message.topic, message.merge);
}

export function deliverEvent(socket: LiveSocket, message: EventMessage): void {
  const sinks = socket.topics.get(message.topic);
  if (sinks) for (const sink of sinks) sink.event(message);
  else socket.onSignal?.(message);
}

/** A refused subscription ends: its store reports the error. */
export function failSubscription(socket: LiveSocket, id: number, error: RpcError): void {
  const sink = socket.subscriptions.get(id);
  if (!sink) return;
  socket.subscriptions.delete(id);
  forgetTopic(socket, sink);
  sink.error(error);
}

/** The socket dropped: no topic is followed until the server names it again. */
export function forgetTopics(socket: LiveSocket): void {
  socket.topics.clear();
  socket.sinkTopics.clear();
}

function rememberTopic(socket: LiveSocket, sink: SubscriptionSink, topic: string): void {
  forgetTopic(socket, sink);
  let sinks = socket.topics.get(topic);
  if (!sinks) socket.topics.set(topic, (sinks = new Set()));
  sinks.add(sink);
  socket.sinkTopics.set(sink, topic);
}

function forgetTopic(socket: LiveSocket, sink: SubscriptionSink): void {
  const topic = socket.sinkTopics.get(sink);
  if (topic === undefined) return;
  socket.sinkTopics.delete(sink);
  const sinks = socket.topics.get(topic);
  sinks?.delete(sink);
  if (sinks?.size === 0) socket.topics.delete(topic);
}
