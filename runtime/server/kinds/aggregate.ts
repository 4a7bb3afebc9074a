/**
 * `live.aggregate(source, reducers, options)`: running totals over a topic's events, kept
 * incrementally (each event updates each reducer once; no event is stored) and published as
 * a stream on a topic of its own.
 *
 * Reducers: `'count'`, `{ sum: field }`, `{ min: field }`, `{ max: field }` (fields of the
 * event's data; values that are not finite numbers are skipped), or a custom
 * `{ init: () => value, reduce: (value, data, event) => value }`. The value is an object with
 * one entry per reducer. It counts from the moment its module is registered; it keeps its
 * value across reloads of other modules. Publishes are coalesced: at most one `set` event per
 * `debounce` ms whatever the source's rate.
 */
import type { MergeOptions } from '../../protocol.js';
import type { LiveContext } from '../context.js';
import { HANDLER } from '../handler-tag.js';
import { checkStaticTopic, runtimeTopic } from '../topic-names.js';
import type { ActivationHost } from '../handlers.js';
import { Coalescer } from './coalesce.js';

/** A custom reducer: `init` gives the starting value, `reduce` folds one event into it. */
export interface CustomReducer<T> {
  init: () => T;
  reduce: (value: T, data: unknown, event: string) => T;
}

export type Reducer = 'count' | { sum: string } | { min: string } | { max: string } | CustomReducer<any>;

/** The value a reducer produces: numbers for count and sum, `null` for min/max before any number. */
export type ReducerValue<R> = R extends 'count'
  ? number
  : R extends { sum: string }
    ? number
    : R extends { min: string } | { max: string }
      ? number | null
      : R extends CustomReducer<infer T>
        ? T
        : never;

export type AggregateValue<R extends Record<string, Reducer>> = { -readonly [K in keyof R]: ReducerValue<R[K]> };

export interface AggregateOptions {
  /** Topic the aggregate is published on. Default `aggregate:<module>/<export>`. */
  topic?: string;
  /** Only these events of the source count (`['created']`). Default: every event. */
  events?: readonly string[];
  /** Least time between two publishes, in ms. Default 50. */
  debounce?: number;
}

export interface LiveAggregate<Value> {
  readonly [HANDLER]: 'aggregate';
  readonly source: string;
  readonly topic: (ctx: LiveContext) => string;
  readonly init: (ctx: LiveContext) => Value;
  readonly options: MergeOptions;
  activate(host: ActivationHost): () => void;
  readonly __types?: { value: Value };
}

const SET: MergeOptions = { merge: 'set', key: 'id', max: 50 };

type Step = (value: unknown, data: unknown, event: string) => unknown;

function field(data: unknown, name: string): number | undefined {
  if (typeof data !== 'object' || data === null || !Object.hasOwn(data, name)) return undefined;
  const value = (data as Record<string, unknown>)[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Each reducer as a starting value and a step. */
function compile(name: string, reducer: Reducer): { init: () => unknown; step: Step } {
  if (reducer === 'count') return { init: () => 0, step: (n) => (n as number) + 1 };
  if (typeof reducer === 'object' && reducer !== null) {
    if ('sum' in reducer && typeof reducer.sum === 'string') {
      const f = reducer.sum;
      return { init: () => 0, step: (n, data) => (n as number) + (field(data, f) ?? 0) };
    }
    if ('min' in reducer && typeof reducer.min === 'string') {
      const f = reducer.min;
      return { init: () => null, step: (m, data) => { const x = field(data, f); return x === undefined ? m : m === null ? x : Math.min(m as number, x); } };
    }
    if ('max' in reducer && typeof reducer.max === 'string') {
      const f = reducer.max;
      return { init: () => null, step: (m, data) => { const x = field(data, f); return x === undefined ? m : m === null ? x : Math.max(m as number, x); } };
    }
    if ('init' in reducer && typeof reducer.init === 'function' && typeof reducer.reduce === 'function') {
      return { init: reducer.init, step: reducer.reduce };
    }
  }
  throw new TypeError(
    `live.aggregate: reducer ${JSON.stringify(name)} must be 'count', { sum: field }, { min: field }, { max: field } or { init, reduce }`
  );
}

export function aggregate<const R extends Record<string, Reducer>>(
  source: string,
  reducers: R,
  options: AggregateOptions = {}
): LiveAggregate<AggregateValue<R>> {
  if (typeof source !== 'string' || source === '') throw new TypeError('live.aggregate(source, reducers): source must be a non-empty topic');
  if (typeof reducers !== 'object' || reducers === null || Object.keys(reducers).length === 0) {
    throw new TypeError('live.aggregate(source, reducers): reducers must be an object with at least one reducer, e.g. { total: "count" }');
  }
  const debounce = options.debounce ?? 50;
  if (!Number.isFinite(debounce) || debounce < 0) throw new TypeError(`live.aggregate: debounce must be a number of ms >= 0; got ${debounce}`);
  if (options.topic !== undefined && (typeof options.topic !== 'string' || options.topic === '')) {
    throw new TypeError('live.aggregate: options.topic must be a non-empty string');
  }
  if (options.topic === source) throw new TypeError('live.aggregate: options.topic must differ from the source topic');
  if (options.topic !== undefined) checkStaticTopic(options.topic, 'live.aggregate: options.topic');
  const events = options.events ? new Set(options.events) : undefined;
  const compiled = Object.entries(reducers).map(([name, reducer]) => ({ name, ...compile(name, reducer) }));
  const values = new Map<string, unknown>(compiled.map((r) => [r.name, r.init()]));
  let topic = options.topic;

  const snapshot = (): AggregateValue<R> => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of values) out[name] = value;
    return out as AggregateValue<R>;
  };
  const current = (): string => {
    if (!topic) throw new Error('live.aggregate is not active: export it from a module in src/live/');
    return topic;
  };

  return {
    [HANDLER]: 'aggregate',
    source,
    options: SET,
    topic: () => current(),
    init: () => snapshot(),
    activate(host) {
      topic = options.topic ?? runtimeTopic('aggregate', host.path);
      const published = topic;
      const coalescer = new Coalescer(debounce, async () => {
        try {
          host.publish(published, 'set', snapshot());
        } catch (error) {
          host.reportError(error, `live.aggregate ${host.path} (its value could not be published)`);
        }
      });
      const stop = host.listen(source, (event, data) => {
        if (events && !events.has(event)) return;
        for (const reducer of compiled) {
          try {
            values.set(reducer.name, reducer.step(values.get(reducer.name), data, event));
          } catch (error) {
            host.reportError(error, `reducer ${reducer.name} of live.aggregate ${host.path}`);
          }
        }
        coalescer.request();
      });
      return () => {
        stop();
        coalescer.stop();
      };
    }
  };
}
