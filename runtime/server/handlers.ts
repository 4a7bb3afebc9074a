/**
 * The handler kinds a live module exports. Each is a small tagged object (see handler-tag.ts);
 * the registry reads the tag, the plugin reads the source, and the client types are inferred
 * from the type parameters carried here. Which kinds exist is said once, in runtime/kinds.ts:
 * the types below fail to compile until each kind listed there has its handler type and its
 * `live.<member>` constructor. Each kind's constructor lives in kinds/.
 */
import type { Awaitable } from '../awaitable.js';
import type { HandlerKind, LiveMember } from '../kinds.js';
import type { LiveContext } from './context.js';
import type { Telemetry } from './telemetry.js';
import { HANDLER, requireFunction } from './handler-tag.js';
import { binary, type LiveBinary } from './kinds/binary.js';
import { rateLimit } from './kinds/rate-limit.js';
import { cron, type LiveCron } from './kinds/cron.js';
import { derived, type LiveDerived } from './kinds/derived.js';
import { effect, type LiveEffect } from './kinds/effect.js';
import { aggregate, type LiveAggregate } from './kinds/aggregate.js';
import { validated } from './kinds/validated.js';
import { channel, type LiveChannel } from './kinds/channel.js';
import { room, type LiveRoom } from './kinds/room.js';
import { stream, type LiveStream } from './kinds/stream.js';

export interface LiveFunction<Args extends unknown[], Result> {
  readonly [HANDLER]: 'live';
  readonly fn: (ctx: LiveContext, ...args: Args) => Awaitable<Result>;
  /** Type carrier only: never set at run time. */
  readonly __types?: { args: Args; result: Result };
}

export type GuardFunction = (ctx: LiveContext) => Awaitable<void | boolean>;

export interface Guard {
  readonly [HANDLER]: 'guard';
  readonly checks: readonly GuardFunction[];
}

/**
 * What a handler that holds resources while registered (a cron timer, an effect's
 * subscription) is given when the runtime activates it.
 */
export interface ActivationHost {
  /** `module/export` of the handler being activated. */
  readonly path: string;
  /** The export's name (the last part of `path`), for messages. */
  readonly name: string;
  /** The module's source file, relative to the project (for messages). */
  readonly file: string;
  /** Publishes on the runtime's topics (what `publish()` does). */
  publish(topic: string, event: string, data?: unknown): void;
  /**
   * Calls `listener` after every publish on `topic` (server-side, whether or not a client
   * follows it). Returns the function that stops listening; a throwing listener is reported.
   */
  listen(topic: string, listener: (event: string, data: unknown, topic: string) => void): () => void;
  /**
   * True when another module declares `topic` with a static name: a handler acting for
   * clients (a channel's publish) must not write there.
   */
  ownedElsewhere(topic: string): boolean;
  /** The runtime's telemetry: emit only inside `if (telemetry.active)`. */
  readonly telemetry: Telemetry;
  /** Reports an error the handler caught (a failed cron run); it never stops the server. */
  reportError(error: unknown, where: string): void;
}

/**
 * Optional on any handler object: called when its registry becomes the active one, and the
 * returned function when that registry is replaced (a reload) or the server shuts down. A reload
 * deactivates the old handlers before activating the new ones, and reactivates the old ones if
 * the new set fails, so each job holds exactly one timer at any time.
 */
export interface Activatable {
  activate?(host: ActivationHost): (() => void) | void;
}

/** Each kind's handler type, by kind. */
interface HandlerTypes {
  live: LiveFunction<any[], unknown>;
  stream: LiveStream<any[], unknown, boolean>;
  guard: Guard;
  binary: LiveBinary<any[], unknown>;
  cron: LiveCron<unknown>;
  derived: LiveDerived<any[], unknown, boolean>;
  effect: LiveEffect;
  aggregate: LiveAggregate<any>;
  channel: LiveChannel<any[], unknown, any, boolean>;
  room: LiveRoom<unknown, unknown, any>;
}

/** Fails to compile when a kind of runtime/kinds.ts has no handler type, or one with another tag. */
type EveryKindTagged<Types extends { readonly [Kind in HandlerKind]: { readonly [HANDLER]: Kind } }> = Types;

export type AnyHandler = EveryKindTagged<HandlerTypes>[HandlerKind];

/**
 * The `live.<member>` constructors: exactly the members runtime/kinds.ts lists (a missing or
 * extra one fails to compile).
 */
const members = { stream, validated, rateLimit, binary, cron, derived, effect, aggregate, channel, room } satisfies Record<
  LiveMember,
  (...args: never[]) => unknown
>;

/**
 * `live(fn)`: an RPC the client calls as `fn(...args)`; `ctx` is supplied by the server.
 * `live.stream(topic, init, options)`: a store kept in sync with publishes to `topic`.
 */
export const live = Object.assign(function live<Args extends unknown[], Result>(
  fn: (ctx: LiveContext, ...args: Args) => Awaitable<Result>
): LiveFunction<Args, Result> {
  requireFunction(fn, 'live()');
  return { [HANDLER]: 'live', fn };
}, members);

/**
 * `export const guard = guard(check, ...)`: runs before every handler of its module.
 * A check refuses by throwing (a LiveError reaches the client as is) or by returning false.
 */
export function guard(...checks: GuardFunction[]): Guard {
  checks.forEach((check, i) => requireFunction(check, `guard(): argument ${i + 1}`));
  return { [HANDLER]: 'guard', checks };
}
