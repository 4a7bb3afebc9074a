/**
 * `handle` in `src/hooks.ws.ts`: one function around every call and subscription, the way
 * SvelteKit's `handle` wraps every request. It sees who calls what, and decides whether and
 * how the call goes on:
 *
 *   export const handle: Handle = async ({ event, resolve }) => {
 *     const started = performance.now();
 *     try {
 *       return await resolve({ ...event, ctx: { ...event.ctx, tenant: tenantOf(event.ctx.user) } });
 *     } finally {
 *       console.log(event.kind, event.path, performance.now() - started);
 *     }
 *   };
 *
 * It runs after the upgrade (ctx.user is known) and before the module's guards; a LiveError it
 * throws reaches the client as any handler's does. With no `handle` the runtime calls straight
 * through: this file costs a call nothing then.
 */
import type { Awaitable } from '../awaitable.js';
import type { LiveContext } from './context.js';

/**
 * What `handle` wraps: a `call` (a live function, a room action, a channel's publish), a
 * `binary` call (live.binary), or a `subscribe` (a stream, channel, room part... a store's
 * first value).
 */
export type HandleKind = 'call' | 'binary' | 'subscribe';

export interface HandleEvent {
  /** The ctx the handler will receive. Pass another to `resolve` to enrich it. */
  readonly ctx: LiveContext;
  /** `module/export`, as the client named it (`chat/sendMessage`). */
  readonly path: string;
  /** The client's arguments (for `binary`, those after the payload). */
  readonly args: unknown[];
  readonly kind: HandleKind;
  /**
   * True for `fn.call(event, ...)` and `store.load(event)` from `+page.server.ts` (server
   * rendering: no socket); false over the socket.
   */
  readonly ssr: boolean;
}

/**
 * Runs the module's guards and the handler with `event.ctx` and `event.args` (the event
 * `handle` was given when called with none; its `path` and `kind` cannot change). Resolves with
 * the handler's result; for a subscription, with the store's first value once it is sent
 * (undefined when a reconnecting client resumed instead). Call it at most once.
 */
export type Resolve = (event?: HandleEvent) => Promise<unknown>;

/**
 * `export const handle: Handle` in `src/hooks.ws.ts`. For a call, what it returns is what the
 * caller receives (usually `resolve(event)`'s result); for a subscription it must call
 * `resolve`, and what it returns is not used.
 */
export type Handle = (input: { event: HandleEvent; resolve: Resolve }) => Awaitable<unknown>;

/**
 * Chains several `handle` functions into one: the first wraps the second, which wraps the
 * third... Each `resolve` hands its event (and ctx) to the next, the last one's to the handler.
 *
 *   export const handle = sequence(timing, tenancy);
 */
export function sequence(...handles: Handle[]): Handle {
  handles.forEach((handle, i) => {
    if (typeof handle !== 'function') {
      throw new TypeError(`sequence(): argument ${i + 1} is ${handle === null ? 'null' : typeof handle}; pass handle functions ({ event, resolve }) => ...`);
    }
  });
  return ({ event, resolve }) => {
    const step = (index: number, current: HandleEvent): Promise<unknown> => {
      if (index === handles.length) return resolve(current);
      return Promise.resolve(handles[index]!({ event: current, resolve: (next = current) => step(index + 1, next) }));
    };
    return step(0, event);
  };
}

/**
 * Runs `handle` around `run`. `run(ctx, args)` is the rest of the call (guards and handler);
 * it gets the ctx and args of the event `resolve` is given. `resolved()` says whether `handle`
 * let the call go on, for a subscription that must.
 */
export function runHandle(
  handle: Handle,
  event: HandleEvent,
  run: (ctx: LiveContext, args: unknown[]) => unknown
): { outcome: Promise<unknown>; resolved(): boolean } {
  let called = false;
  const resolve: Resolve = (next = event) => {
    if (called) return Promise.reject(new Error(`handle in hooks.ws called resolve twice for ${event.kind} ${event.path}; call it once`));
    called = true;
    if (typeof next !== 'object' || next === null || typeof next.ctx !== 'object' || next.ctx === null || !Array.isArray(next.args)) {
      return Promise.reject(new TypeError(`handle in hooks.ws passed resolve an event without ctx or args for ${event.kind} ${event.path}; pass { ...event, ctx }`));
    }
    let running: Promise<unknown>;
    try {
      running = Promise.resolve(run(next.ctx, next.args));
    } catch (error) {
      running = Promise.reject(error);
    }
    // The failure is handle's to await: one it ignores must not end the process as an
    // unhandled rejection (its call is answered with what handle returned).
    running.catch(() => {});
    return running;
  };
  let outcome: Promise<unknown>;
  try {
    outcome = Promise.resolve(handle({ event, resolve }));
  } catch (error) {
    outcome = Promise.reject(error);
  }
  return { outcome, resolved: () => called };
}
