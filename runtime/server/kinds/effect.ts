/**
 * `live.effect(sources, fn, options)`: a server-side side effect (send a mail, write an audit
 * log, call a webhook) run for every publish on its source topics, whoever published it.
 *
 * It listens while its module is registered (activated) and stops on reload or shutdown. Each
 * publish calls `fn` once, after the publish was delivered; a call that throws or rejects is
 * reported (to `onError`, the telemetry and the server log) and the next events run as usual.
 * It has no client side: importing it from `$live/...` gives nothing.
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
}

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
  const handler: LiveEffect = {
    [HANDLER]: 'effect',
    sources: [...new Set(list)],
    fn,
    options,
    activate(host) {
      const ctx: EffectContext = { path: host.path, publish: (topic, event, data) => host.publish(topic, event, data) };
      const stops = handler.sources.map((topic) =>
        host.listen(topic, (event, data) => {
          // After the publish returns, so an effect that publishes never runs inside another publish.
          queueMicrotask(() => void runEffect(handler, host, ctx, { topic, event, data }));
        })
      );
      return () => {
        for (const stop of stops) stop();
      };
    }
  };
  return handler;
}
