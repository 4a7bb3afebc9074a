/**
 * Callable handlers: what a `call` message can reach. `live()` functions (and the kinds that
 * build one: validated, rateLimit), plus any handler with a `call` method of its own: a
 * channel's publish, a room's actions, a paginated stream's next page.
 */
import type { LiveContext } from './context.js';
import { handlerKind } from './handler-tag.js';
import type { LiveFunction } from './handlers.js';

export interface Callable {
  /** Runs one call with the message's arguments as given (already bounded by the limits). */
  call(ctx: LiveContext, args: unknown[]): unknown;
}

/** Runs one call: the handler with the message's context and arguments. */
export type CallTarget = (ctx: LiveContext, args: unknown[]) => unknown;

/**
 * The function a call message runs for `handler`, or undefined when it cannot be called. The
 * registry works it out once per export, so a call allocates no wrapper of its own.
 */
export function callTarget(handler: unknown): CallTarget | undefined {
  if (handlerKind(handler) === 'live') {
    const fn = (handler as LiveFunction<unknown[], unknown>).fn;
    return (ctx, args) => fn(ctx, ...args);
  }
  if (handlerKind(handler) === undefined) return undefined;
  const call = (handler as Partial<Callable>).call;
  return typeof call === 'function' ? (ctx, args) => call.call(handler, ctx, args) : undefined;
}
