/**
 * Who a topic belongs to, by its name.
 *
 * - Runtime topics (a room's data, presence and cursors, a derived stream's value, an
 *   aggregate's totals) start with `@`. No topic a user's code names may: a static topic with
 *   `@` fails when its module loads, and a topic computed from a client's arguments that starts
 *   with `@` is refused with FORBIDDEN. So no argument can reach a room of another module.
 * - Every other topic belongs to the module(s) that declare it with a static name; a topic
 *   computed from arguments is followed with the guards of the module that computes it and of
 *   every module that declares the same name (see Registry.ownersOf).
 */
import { ErrorCode } from '../protocol.js';
import { LiveError } from './errors.js';

/** The first character of every topic the runtime makes, and of no topic user code names. */
export const RUNTIME_TOPIC_PREFIX = '@';

/** A topic the runtime owns: `@<kind>:<handler path>` and its parts, e.g. `@room:board/main:lobby:data`. */
export function runtimeTopic(kind: string, path: string, ...parts: string[]): string {
  return parts.length === 0 ? `${RUNTIME_TOPIC_PREFIX}${kind}:${path}` : `${RUNTIME_TOPIC_PREFIX}${kind}:${path}:${parts.join(':')}`;
}

export function isRuntimeTopic(topic: string): boolean {
  return topic.charCodeAt(0) === 64; // '@'
}

/** Checks a topic name written in a live module (`live.stream('messages', ...)`): TypeError at load. */
export function checkStaticTopic(topic: string, what: string): string {
  if (topic.length === 0) throw new TypeError(`${what}: the topic must be a non-empty string`);
  if (isRuntimeTopic(topic)) {
    throw new TypeError(`${what}: topics starting with '${RUNTIME_TOPIC_PREFIX}' belong to the runtime (rooms, derived streams, aggregates); name it without the '${RUNTIME_TOPIC_PREFIX}'`);
  }
  return topic;
}

/**
 * Wraps a topic function a user wrote, so whatever arguments a client passes, its result is
 * outside the runtime's namespace (else FORBIDDEN, and nothing is subscribed). A result that is
 * no string at all is left for the caller's check, which names the file and export.
 */
export function userTopicFunction<Args extends unknown[], Ctx>(topic: (ctx: Ctx, ...args: Args) => string): (ctx: Ctx, ...args: Args) => string {
  return (ctx, ...args) => {
    const name = topic(ctx, ...args);
    if (typeof name === 'string' && isRuntimeTopic(name)) {
      throw new LiveError(ErrorCode.FORBIDDEN, `Topics starting with '${RUNTIME_TOPIC_PREFIX}' belong to the runtime and cannot be named by arguments`);
    }
    return name;
  };
}
