/**
 * A live module as one test client sees it: the same exports `$live/<path>` gives a page, made
 * by the same client runtime, but bound to this client's own socket (a page has one socket;
 * a test has one per user it plays). Stream stores come wrapped with the reading helpers.
 */
import { WATCH_ARG } from '../protocol.js';
import { callBinary } from '../client/binary-calls.js';
import { perArgs, type Use } from '../client/per-args.js';
import type { LiveSocket } from '../client/socket.js';
import { createStream } from '../client/stream.js';
import { roomObject, withWatch, type BinaryInput } from '../client/stubs.js';
import { handlerKind } from '../server/handler-tag.js';
import { watch } from './watch.js';

/** Collects the unsubscribes of watched stores, run when the client closes. */
export type StopList = (stop: () => void) => void;

/**
 * The client exports of one module namespace, for `socket`. `path` is the module's `$live`
 * path; exports of server-only kinds (cron, effect, guard) are left out, as the page gets none.
 */
export function bindModule(socket: LiveSocket, path: string, namespace: Record<string, unknown>, stops: StopList): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(namespace)) {
    const made = bindExport(socket, `${path}/${name}`, handler, stops);
    if (made !== undefined) bound[name] = made;
  }
  return bound;
}

function bindExport(socket: LiveSocket, path: string, handler: unknown, stops: StopList): unknown {
  const get = () => socket;
  const call = (...args: unknown[]) => socket.call(path, args);
  const stream = (args: unknown[], use?: Use) => watch(createStream<unknown>(get, path, args, use), path, stops);
  const dynamicOver = (field: 'topic' | 'sources') => typeof (handler as Record<string, unknown>)[field] === 'function';
  switch (handlerKind(handler)) {
    case 'live':
      return call;
    case 'binary':
      return async (data: BinaryInput, ...args: unknown[]) => callBinary(socket, path, await bytesOf(data), args);
    case 'stream': {
      if ((handler as { options?: { merge?: string } }).options?.merge !== 'presence') {
        return dynamicOver('topic') ? perArgs((args, use) => stream(args, use)) : stream([]);
      }
      // A presence stream's store also has `watch`: the same members, without entering.
      const presence = (args: unknown[], use?: Use) => withWatch(stream(args, use), () => stream([...args, WATCH_ARG], use));
      return dynamicOver('topic') ? perArgs((args, use) => presence(args, use)) : presence([]);
    }
    case 'derived':
      return dynamicOver('sources') ? perArgs((args, use) => stream(args, use)) : stream([]);
    case 'aggregate':
      return stream([]);
    case 'channel': {
      const channel = (args: unknown[], use?: Use) =>
        Object.assign(stream(args, use), { publish: (event: string, data: unknown) => call(args, event, data) as Promise<void> });
      return dynamicOver('topic') ? perArgs((args, use) => channel(args, use)) : channel([]);
    }
    case 'room':
      return perArgs(([id], use) => room(socket, path, id as string, use, stops));
    default:
      return undefined;
  }
}

/** One room of a `live.room` export: its three stores and its actions, as the page's room object. */
function room(socket: LiveSocket, path: string, id: string, use: Use | undefined, stops: StopList): unknown {
  const part = (name: string) => watch(createStream<unknown>(() => socket, path, [id, name], use), `${path}(${JSON.stringify(id)}).${name}`, stops);
  return roomObject(id, part, (...args) => socket.call(path, [id, ...args]));
}

async function bytesOf(data: BinaryInput): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(await data.arrayBuffer());
}

