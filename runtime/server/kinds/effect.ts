/**
 * `live.effect(sources, fn, options)`: a server-side side effect (send a mail, write an audit
 * log, call a webhook) run for every publish on its source topics, whoever published it.
 *
 * It listens while its module is registered (activated) and stops on reload or shutdown. Each
 * publish calls `fn` once, after the publish was delivered; a call that throws or rejects is
 * reported (to `onError`, the telemetry and the server log) and the next events run as usual.
 * It has no client side: importing it from `$live/...` gives nothing.
 *
 * At most `concurrency` calls run at once (default 16; 1 runs events one by one, in order);
 * events past that wait in a queue of at most `maxQueue` (default 10 000). A publish burst
 * beyond both is dropped and reported, never held without bound.
 *
 * In a cluster an effect runs once per publish: on the instance that published, never again
 * on the instances the publish reaches through the bus.
 */
import type { Awaitable } from '../../awaitable.js';
import { HANDLER, requireFunction } from '../handler-tag.js';
import type { ActivationHost } from '../handlers.js';

/** One publish, as an effect receives it. */
export interface EffectEvent {
  topic: string;
  event: string;
  data: unknown;
}

export interface EffectContext {
  /** `module/export` of the effect. */
  readonly path: string;
  /** Publishes on any topic, like `publish()` from `svelte-realtime/server`. */
  publish(topic: string, event: string, data?: unknown): void;
}

export interface EffectOptions {
  /** Called with the error of a call that throws (it is also sent to the telemetry). */
  onError?: (error: unknown, event: EffectEvent) => void;
  /** Calls of `fn` running at once. Default 16; 1 runs the events one by one, in publish order. */
  concurrency?: number;
  /** Events waiting for a free slot; past it, new events are dropped and reported. Default 10 000. */
  maxQueue?: number;
}

const DEFAULT_CONCURRENCY = 16;
const DEFAULT_MAX_QUEUE = 10_000;
/** Least time between two reports of dropped events. */
const DROP_REPORT_MS = 1_000;

export interface LiveEffect {
  readonly [HANDLER]: 'effect';
  readonly sources: readonly string[];
  readonly fn: (event: EffectEvent, ctx: EffectContext) => Awaitable<void>;
  readonly options: EffectOptions;
  activate(host: ActivationHost): () => void;
}

async function runEffect(effect: LiveEffect, host: ActivationHost, ctx: EffectContext, event: EffectEvent): Promise<void> {
  const start = Date.now();
  const began = performance.now();
  let failure: Error | undefined;
  try {
    await effect.fn(event, ctx);
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    const onError = effect.options.onError;
    if (onError) {
      try {
        onError(error, event);
      } catch (thrown) {
        host.reportError(thrown, `onError of live.effect ${host.path}`);
      }
    } else {
      host.reportError(error, `live.effect ${host.path} (event ${event.event} on ${event.topic})`);
    }
  }
  if (host.telemetry.active) {
    host.telemetry.emit({
      type: 'effect',
      path: host.path,
      topic: event.topic,
      event: event.event,
      start,
      duration: performance.now() - began,
      ok: failure === undefined,
      error: failure && { message: failure.message, stack: failure.stack }
    });
  }
}

export function effect(
  sources: string | readonly string[],
  fn: (event: EffectEvent, ctx: EffectContext) => Awaitable<void>,
  options: EffectOptions = {}
): LiveEffect {
  const list = typeof sources === 'string' ? [sources] : sources;
  if (!Array.isArray(list) || list.length === 0 || !list.every((topic) => typeof topic === 'string' && topic.length > 0)) {
    throw new TypeError('live.effect(sources, fn): sources must be a topic or a non-empty list of topics');
  }
  requireFunction(fn, 'live.effect(sources, fn): fn');
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError('live.effect: options.onError must be a function');
  }
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError(`live.effect: options.concurrency must be a positive integer; got ${concurrency}`);
  if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new TypeError(`live.effect: options.maxQueue must be a whole number; got ${maxQueue}`);
  const handler: LiveEffect = {
    [HANDLER]: 'effect',
    sources: [...new Set(list)],
    fn,
    options,
    activate(host) {
      const ctx: EffectContext = { path: host.path, publish: (topic, event, data) => host.publish(topic, event, data) };
      let running = 0;
      let stopped = false;
      let scheduled = false;
      /** Events not started yet: `queue[head]` is the next. */
      const queue: (EffectEvent | undefined)[] = [];
      let head = 0;
      let dropped = 0;
      let lastDropReport = 0;
      let dropReport: ReturnType<typeof setTimeout> | undefined;
      const drain = (): void => {
        scheduled = false;
        while (running < concurrency && head < queue.length && !stopped) {
          const event = queue[head]!;
          queue[head++] = undefined;
          running++;
          void runEffect(handler, host, ctx, event).finally(() => {
            running--;
            drain();
          });
        }
        if (head === queue.length) queue.length = head = 0;
      };
      /** Counts a dropped event; one report says how many, at most once per DROP_REPORT_MS. */
      const reportDrop = (): void => {
        dropped++;
        if (dropReport) return;
        dropReport = setTimeout(() => {
          dropReport = undefined;
          lastDropReport = Date.now();
          host.reportError(
            new Error(`${dropped} event(s) dropped: ${concurrency} calls were running and ${maxQueue} waiting (raise options.concurrency or options.maxQueue)`),
            `live.effect ${host.path}`
          );
          dropped = 0;
        }, Math.max(0, lastDropReport + DROP_REPORT_MS - Date.now()));
        dropReport.unref?.();
      };
      const stops = handler.sources.map((topic) =>
        host.listen(topic, (event, data, _topic, remote?: boolean) => {
          // The instance that published runs it; the others only pass the event to their clients.
          if (remote) return;
          // Waiting beyond the free slots is what maxQueue bounds.
          if (queue.length - head >= maxQueue + Math.max(0, concurrency - running)) return reportDrop();
          queue.push({ topic, event, data });
          // After the publish returns, so an effect that publishes never runs inside another publish.
          if (!scheduled) {
            scheduled = true;
            queueMicrotask(drain);
          }
        })
      );
      return () => {
        stopped = true;
        clearTimeout(dropReport);
        for (const stop of stops) stop();
      };
    }
  };
  return handler;
}
