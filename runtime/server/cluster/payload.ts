/**
 * How an event travels between instances: `[event, data]` encoded once by the publisher. Plain
 * data (what JSON carries exactly) travels as JSON, and each instance builds the event frame by
 * joining strings around it, with no decoding and encoding again; anything richer (a Date, a
 * Map, undefined...) travels as devalue and is decoded and encoded again.
 *
 *   j<event name length, base 36>:<event name as JSON><data as JSON>
 *   d<devalue of [event, data]>
 */
import { parse, stringify } from 'devalue';
import { plainJson, PROTOCOL_VERSION } from '../../protocol.js';
import { encodeMessage } from '../frames.js';

export function encodePayload(event: string, data: unknown): string {
  const json = plainJson(data);
  if (json === undefined) return `d${stringify([event, data])}`;
  const name = JSON.stringify(event);
  return `j${name.length.toString(36)}:${name}${json}`;
}

/** The event and its data. */
export function decodePayload(payload: string): [event: string, data: unknown] {
  if (payload.charCodeAt(0) !== 106 /* j */) return parse(payload.slice(1)) as [string, unknown];
  const colon = payload.indexOf(':');
  const length = parseInt(payload.slice(1, colon), 36);
  const name = payload.slice(colon + 1, colon + 1 + length);
  return [JSON.parse(name) as string, JSON.parse(payload.slice(colon + 1 + length))];
}

/** The frame subscribers receive for the event numbered `seq` on `topic`: what `encodeMessage` makes of it. */
export function eventFrame(topic: string, seq: number, payload: string): string {
  if (payload.charCodeAt(0) !== 106 /* j */) {
    const [event, data] = decodePayload(payload);
    return encodeMessage({ t: 'event', topic, seq, event, data });
  }
  const colon = payload.indexOf(':');
  const length = parseInt(payload.slice(1, colon), 36);
  const name = payload.slice(colon + 1, colon + 1 + length);
  const data = payload.slice(colon + 1 + length);
  return `[${PROTOCOL_VERSION},{"t":"event","topic":${JSON.stringify(topic)},"seq":${seq},"event":${name},"data":${data}}]`;
}
