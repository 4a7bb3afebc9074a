/**
 * One init for identical concurrent subscriptions.
 *
 * After a restart every client resubscribes at once, each running its streams' init: a thousand
 * tabs on one page meant a thousand identical database reads. When it is safe, subscriptions
 * that arrive while an init runs share its result instead:
 *
 * - the init declares no parameters (`() => db.latest(50)`), so it cannot depend on who
 *   subscribes (an init that takes `ctx` always runs once per subscription);
 * - the arguments are the same plain values (the same JSON);
 * - the topic is at the same position (nothing was published since the shared run started), so
 *   the value is exactly what each of them would have read.
 */
import { argsKey, type TopicPosition } from '../protocol.js';
import type { Subscribable } from './subscribable.js';
import type { LiveContext } from './context.js';

const running = new WeakMap<Subscribable, Map<string, Promise<unknown>>>();

/** `stream.init(ctx, ...args)`, or the run of an identical subscription still in progress. */
export function initOnce(stream: Subscribable, ctx: LiveContext, args: readonly unknown[], position: TopicPosition): unknown {
  if (stream.init.length !== 0) return stream.init(ctx, ...args);
  const key = argsKey(args);
  if (key === undefined) return stream.init(ctx, ...args);
  const id = `${position.epoch}/${position.seq}/${key}`;
  let runs = running.get(stream);
  if (!runs) running.set(stream, (runs = new Map()));
  const existing = runs.get(id);
  if (existing) return existing;
  const run = (async () => stream.init(ctx, ...args))();
  runs.set(id, run);
  const done = (): void => void runs.delete(id);
  run.then(done, done);
  return run;
}
