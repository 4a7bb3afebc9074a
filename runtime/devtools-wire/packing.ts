/**
 * How the channel's messages travel over Vite's dev socket. The hot events, calls and
 * publishes, go as arrays in a fixed order instead of objects: no key repeated per event, half
 * the bytes, and about half the server's time spent encoding them (the dev socket JSON-encodes
 * every message). The transport packs what the channel sends; the overlay unpacks on receipt,
 * so both ends work with `ChannelMessage` and nothing else knows.
 */
import type { ChannelMessage, ErrorInfo, ServerEvent, ServerEventOf } from './messages.js';
import type { Preview } from './preview.js';

type Call = ServerEventOf<'call'>;
type Publish = ServerEventOf<'publish'>;

/** A call: kind 0, then its fields; absent ones are null, `ok` and `internal` are 0 or 1. */
export type PackedCall = [
  kind: 0,
  n: number,
  time: number,
  connection: string,
  path: string,
  id: number,
  duration: number,
  ok: 0 | 1,
  args: Preview,
  result: Preview | null,
  error: ErrorInfo | null,
  bytesIn: number | null,
  bytesOut: number | null,
  internal: 0 | 1
];

/** A publish: kind 1, then its fields; absent ones are null. */
export type PackedPublish = [
  kind: 1,
  n: number,
  time: number,
  topic: string,
  event: string,
  seq: number,
  epoch: string | null,
  delivered: number,
  data: Preview,
  causeConnection: string | null,
  causeId: number | null
];

export type WireEvent = ServerEvent | PackedCall | PackedPublish;

/** A channel message as it travels. */
export type WireMessage = Exclude<ChannelMessage, { type: 'events' }> | { type: 'events'; events: WireEvent[] };

/** What the transport sends for `message`. */
export function packMessage(message: ChannelMessage): WireMessage {
  if (message.type !== 'events') return message;
  return { type: 'events', events: message.events.map(packEvent) };
}

/** The channel message a received one stands for. */
export function unpackMessage(message: WireMessage): ChannelMessage {
  if (message.type !== 'events') return message;
  return { type: 'events', events: message.events.map(unpackEvent) };
}

function packEvent(event: ServerEvent): WireEvent {
  if (event.type === 'call') {
    return [
      0,
      event.n,
      event.time,
      event.connection,
      event.path,
      event.id,
      event.duration,
      event.ok ? 1 : 0,
      event.args,
      event.result ?? null,
      event.error ?? null,
      event.bytesIn ?? null,
      event.bytesOut ?? null,
      event.internal ? 1 : 0
    ];
  }
  if (event.type === 'publish') {
    return [1, event.n, event.time, event.topic, event.event, event.seq, event.epoch ?? null, event.delivered, event.data, event.cause?.connection ?? null, event.cause?.id ?? null];
  }
  return event;
}

function unpackEvent(event: WireEvent): ServerEvent {
  if (!Array.isArray(event)) return event;
  if (event[0] === 0) {
    const [, n, time, connection, path, id, duration, ok, args, result, error, bytesIn, bytesOut, internal] = event;
    const call: Call = { n, time, type: 'call', connection, path, id, duration, ok: ok === 1, args };
    if (result !== null) call.result = result;
    if (error !== null) call.error = error;
    if (bytesIn !== null) call.bytesIn = bytesIn;
    if (bytesOut !== null) call.bytesOut = bytesOut;
    if (internal === 1) call.internal = true;
    return call;
  }
  const [, n, time, topic, name, seq, epoch, delivered, data, causeConnection, causeId] = event;
  const publish: Publish = { n, time, type: 'publish', topic, event: name, seq, delivered, data };
  if (epoch !== null) publish.epoch = epoch;
  if (causeConnection !== null && causeId !== null) publish.cause = { connection: causeConnection, id: causeId };
  return publish;
}
