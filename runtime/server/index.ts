/**
 * svelte-realtime/server: what live modules and hooks import.
 *
 *   import { live, guard, LiveError } from 'svelte-realtime/server';
 */
import type { Registry as PromRegistry } from 'prom-client';
import { getRuntime } from './runtime.js';
import type { SignalTarget } from './signals.js';
import type { BatchEvent, BatchInput } from './publish-batch.js';

export { live, guard } from './handlers.js';
export type { LiveFunction, Guard, GuardFunction } from './handlers.js';
export type { LiveStream, StreamOptions } from './kinds/stream.js';
export { LiveError } from './errors.js';
export { onDispose } from './dispose.js';
export { streamValues } from './stream-values.js';
export type { StreamValues } from './stream-values.js';
export type { LiveCron, CronOptions, CronContext, CronFailure, CronJobInfo, CronAction } from './kinds/cron.js';
export type { LiveDerived, DerivedOptions } from './kinds/derived.js';
export type { LiveEffect, EffectEvent, EffectContext, EffectOptions } from './kinds/effect.js';
export type { LiveAggregate, AggregateOptions, AggregateValue, Reducer, ReducerValue, CustomReducer } from './kinds/aggregate.js';
export type { ValidationIssue } from './kinds/validated.js';
export { rateLimiter } from './kinds/rate-limit.js';
export type { RateLimitOptions, RateLimiter, RateLimiterOptions } from './kinds/rate-limit.js';
export type { LiveBinary, BinaryOptions } from './kinds/binary.js';
export type { LiveChannel, ChannelOptions, ChannelMerge, ChannelValue } from './kinds/channel.js';
export type { LiveRoom, RoomConfig, RoomContext, RoomAction, RoomCursorOptions, RoomMember } from './kinds/room.js';
export type { CursorEntry } from './kinds/cursor.js';
export type { Page } from './kinds/paginate.js';
export type { LiveContext, LiveUser, Register } from './context.js';
export type { Upgrade, Open, Close, UpgradeEvent, Cookies, ConnectionInfo, WsHooks } from './hooks.js';
export { sequence } from './middleware.js';
export { isCursorMove } from './cursor-move.js';
export type { Handle, HandleEvent, HandleKind, Resolve } from './middleware.js';
export type { HandleError, HandleErrorEvent, HandleErrorResult, ErrorSource } from './error-report.js';
export type { Limits } from './limits.js';
export type { SignalTarget } from './signals.js';
export type { BatchEvent } from './publish-batch.js';
export type { ClusterOptions } from './cluster/options.js';
export type { MergeStrategy } from '../protocol.js';

/**
 * Publishes `event` with `data` to every subscriber of `topic`, from anywhere on the server
 * (a form action, a webhook, a queue consumer). Inside a handler prefer `ctx.publish`.
 */
export function publish(topic: string, event: string, data?: unknown): void {
  getRuntime().publish(topic, event, data);
}

/**
 * Publishes several events (on one topic or several) that subscribers see together, from
 * anywhere on the server: each gets them in one frame and its stores apply them as one update.
 * Inside a handler, `ctx.batch` does the same.
 */
export function batch(events: readonly BatchEvent[]): void;
/** Runs `publishes` (synchronous): everything it publishes goes out together. */
export function batch(publishes: () => void): void;
export function batch(events: BatchInput): void {
  getRuntime().batch(events);
}

/**
 * Turns metrics on (counting starts now) and returns them as a prom-client `Registry`, to serve
 * from a route of your own or merge with your app's: `Registry.merge([register, await metricsRegistry()])`.
 * Call it when the server starts (in `src/hooks.server.ts`). `node build` can serve them itself:
 * see REALTIME_METRICS_TOKEN in the README.
 */
/**
 * Sends `event` with `data` to one user's every tab (`to`: their `id`) or to one connection
 * (`{ connectionId }`), from anywhere on the server; the page hears it with `onSignal`. Inside a
 * handler, `ctx.signal` does the same.
 */
export function signal(to: SignalTarget, event: string, data?: unknown): void {
  getRuntime().signal(to, event, data);
}

export function metricsRegistry(): Promise<PromRegistry> {
  return getRuntime().enableMetrics().registry();
}
