/**
 * `live.rateLimit({ points, window }, fn)`: at most `points` calls in any `window` ms, per user
 * (`ctx.user.id` when the user has one) or else per connection; with `key: 'address'`, per
 * client address, which a guest keeps across reconnects. A call over the limit is refused with
 * `RATE_LIMITED` and `details.retryAfter`, the ms until one more call fits.
 *
 * The window slides: each key keeps the times of its last `points` calls (never more), and
 * keys idle for a whole window are swept, so memory follows the callers of the last window.
 *
 * In a cluster the window is kept in Redis (cluster/bus.ts), so calls count across instances;
 * while Redis is unreachable each instance counts its own calls.
 */
import { currentCluster } from '../cluster/current.js';
import type { Awaitable } from '../../awaitable.js';
import type { LiveContext } from '../context.js';
import { LiveError } from '../errors.js';
import { HANDLER, handlerKind } from '../handler-tag.js';
import type { Activatable, LiveFunction } from '../handlers.js';
import { identityOf } from './identity.js';

export const RATE_LIMITED = 'RATE_LIMITED';

export interface RateLimitOptions {
  /** Calls allowed per window. */
  points: number;
  /** Window length in ms. */
  window: number;
  /**
   * Who is limited: by default the user's `id`, or the connection when there is none (a guest
   * who reconnects starts afresh); `'address'` counts every call from one client address
   * together (`ctx.address`; behind a proxy, set adapter-node's ADDRESS_HEADER); a function
   * picks any other grouping.
   */
  key?: 'address' | ((ctx: LiveContext) => string);
}

/** The client's address as a rate-limit key (a call from server rendering has none: one key for all of those). */
function addressOf(ctx: LiveContext): string {
  return `address:${ctx.address ?? 'server'}`;
}

/** A sliding-window log of call times per key, with its clock injectable for tests. */
export class SlidingWindow {
  private readonly hits = new Map<string, number[]>();
  private nextSweep = 0;

  constructor(
    readonly points: number,
    readonly window: number,
    private readonly now: () => number = Date.now
  ) {}

  /** Records a call for `key`; returns 0 when it fits, else the ms until one would. */
  take(key: string): number {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    const since = now - this.window;
    let times = this.hits.get(key);
    if (!times) this.hits.set(key, (times = []));
    while (times.length > 0 && times[0]! <= since) times.shift();
    if (times.length >= this.points) return Math.max(1, times[0]! + this.window - now);
    times.push(now);
    return 0;
  }

  /** Keys being tracked (for tests of the memory bound). */
  get size(): number {
    return this.hits.size;
  }

  private sweep(now: number): void {
    this.nextSweep = now + this.window;
    const since = now - this.window;
    for (const [key, times] of this.hits) if (times[times.length - 1]! <= since) this.hits.delete(key);
  }
}

/** What `rateLimiter()` returns: one budget, shared by whatever takes from it. */
export interface RateLimiter {
  /**
   * Counts one call for `ctx`'s key; rejects with `RATE_LIMITED` (and `details.retryAfter`,
   * the ms until one more fits) when the key's window is full.
   */
  take(ctx: LiveContext): Promise<void>;
}

export interface RateLimiterOptions extends RateLimitOptions {
  /** Names this budget's keys in a cluster (Redis), where budgets of one app must differ. Default `shared`. */
  name?: string;
}

/** The checks and the counting both forms share: a window per key, in Redis when in a cluster. */
function budget(options: RateLimitOptions, what: string): { take(ctx: LiveContext, scope: string | undefined): void | Promise<void> } {
  const { points, window } = options ?? ({} as RateLimitOptions);
  if (!Number.isInteger(points) || points < 1) throw new TypeError(`${what}: points must be a positive integer; got ${String(points)}`);
  if (!Number.isFinite(window) || window <= 0) throw new TypeError(`${what}: window must be a positive number of ms; got ${String(window)}`);
  const { key } = options;
  if (key !== undefined && key !== 'address' && typeof key !== 'function') {
    throw new TypeError(`${what}: key must be 'address' or a function (ctx) => string; got ${typeof key === 'string' ? JSON.stringify(key) : typeof key}`);
  }
  const keyOf = key === 'address' ? addressOf : (key ?? identityOf);
  const limiter = new SlidingWindow(points, window);
  const refuse = (retryAfter: number) =>
    new LiveError(RATE_LIMITED, `Too many calls: at most ${points} per ${window} ms; retry in ${retryAfter} ms`, { retryAfter });
  const local = (key: string) => {
    const retryAfter = limiter.take(key);
    if (retryAfter > 0) throw refuse(retryAfter);
  };
  return {
    take(ctx, scope) {
      const key = keyOf(ctx);
      const cluster = currentCluster();
      if (!cluster || scope === undefined) return local(key);
      return cluster.counters.take(`${scope}\0${key}`, points, window).then(
        (retryAfter) => {
          if (retryAfter > 0) throw refuse(retryAfter);
        },
        () => local(key)
      );
    }
  };
}

/**
 * `rateLimiter({ points, window, key?, name? })`: one budget over many functions, for `handle`
 * in `src/hooks.ws.ts` (a user's calls together, with the exemptions you choose):
 *
 *   const perUser = rateLimiter({ points: 100, window: 10_000 });
 *   export const handle: Handle = async ({ event, resolve }) => {
 *     if (event.kind === 'call' && event.path !== 'board/moveCursor') await perUser.take(event.ctx);
 *     return resolve(event);
 *   };
 */
export function rateLimiter(options: RateLimiterOptions): RateLimiter {
  const name = options?.name ?? 'shared';
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('rateLimiter: name must be a non-empty string');
  const shared = budget(options, 'rateLimiter');
  const scope = `@limiter:${name}`;
  return {
    async take(ctx) {
      await shared.take(ctx, scope);
    }
  };
}

export function rateLimit<Args extends unknown[], Result>(
  options: RateLimitOptions,
  fn: ((ctx: LiveContext, ...args: Args) => Awaitable<Result>) | LiveFunction<Args, Result>
): LiveFunction<Args, Result> {
  const limiter = budget(options, 'live.rateLimit');
  const inner = handlerKind(fn) === 'live' ? (fn as LiveFunction<Args, Result>).fn : fn;
  if (typeof inner !== 'function') throw new TypeError('live.rateLimit(options, fn): fn must be a function or a live() handler');
  /** `module/export`, set while registered: names this limiter's keys in the cluster. */
  let path: string | undefined;
  const handler: LiveFunction<Args, Result> & Activatable = {
    [HANDLER]: 'live',
    fn(ctx: LiveContext, ...args: Args) {
      const taken = limiter.take(ctx, path);
      return taken ? taken.then(() => inner(ctx, ...args)) : inner(ctx, ...args);
    },
    activate(host) {
      path = host.path;
      return () => {
        if (path === host.path) path = undefined;
      };
    }
  };
  return handler;
}
