/**
 * `live.derived(sources, fn, options)`: a stream whose value is `fn(...args)`, recomputed when
 * any of its source topics is published to.
 *
 * Sources are a list of topics, or a function of `ctx` and the subscription's arguments that
 * returns one (then the client export is a function of those arguments, like a dynamic
 * stream). The stream listens to its sources only while someone subscribes: the first
 * subscriber starts the listening, the last one to leave stops it. Recomputations are
 * coalesced: however fast the sources publish, `fn` runs at most once per `debounce` ms and
 * never twice at once, and subscribers get each new value as one `set` event.
 */
import { stringify } from 'devalue';
import type { Awaitable } from '../../awaitable.js';
import type { MergeOptions } from '../../protocol.js';
import type { LiveContext } from '../context.js';
import { HANDLER, requireFunction } from '../handler-tag.js';
import { runtimeTopic } from '../topic-names.js';
import type { ActivationHost } from '../handlers.js';
import type { TopicStart } from '../subscribable.js';
import { Coalescer } from './coalesce.js';

export interface DerivedOptions {
  /** Least time between two recomputations, in ms. Default 50. */
  debounce?: number;
}

export interface LiveDerived<Args extends unknown[], Value, Dynamic extends boolean> {
  readonly [HANDLER]: 'derived';
  readonly sources: readonly string[] | ((ctx: LiveContext, ...args: Args) => readonly string[]);
  readonly topic: (ctx: LiveContext, ...args: Args) => string;
  readonly init: (ctx: LiveContext, ...args: Args) => Promise<Value>;
  readonly options: MergeOptions;
  start(topic: TopicStart): () => void;
  activate(host: ActivationHost): () => void;
  readonly __types?: { args: Args; value: Value; dynamic: Dynamic };
}

/** Most source topics one derived stream may follow. */
export const MAX_DERIVED_SOURCES = 100;
const SET: MergeOptions = { merge: 'set', key: 'id', max: 50 };

function checkSources(list: unknown, host: ActivationHost): readonly string[] {
  const ok =
    Array.isArray(list) &&
    list.length > 0 &&
    list.length <= MAX_DERIVED_SOURCES &&
    list.every((topic) => typeof topic === 'string' && topic.length > 0);
  if (!ok) {
    throw new Error(
      `${host.file}: the sources of live.derived export ${host.name} must be a list of 1 to ${MAX_DERIVED_SOURCES} non-empty topic strings`
    );
  }
  return list as readonly string[];
}

/**
 * One active derived topic: its listeners on the sources and its last value. Detached while
 * its handler is deactivated (a reload) and attached again to the next activation, so
 * subscribers keep getting updates across reloads.
 */
class Upstream {
  private value: unknown;
  private has = false;
  private computing: Promise<unknown> | undefined;
  private stopped = false;
  private coalescer: Coalescer | undefined;
  private readonly unlisten: (() => void)[] = [];

  constructor(
    private host: ActivationHost,
    private readonly topic: string,
    private readonly sources: readonly string[],
    private readonly compute: () => Awaitable<unknown>,
    private readonly debounce: number
  ) {
    this.attach(host);
  }

  attach(host: ActivationHost): void {
    this.detach();
    this.host = host;
    const coalescer = new Coalescer(this.debounce, () => this.refresh());
    this.coalescer = coalescer;
    for (const source of new Set(this.sources)) this.unlisten.push(host.listen(source, () => coalescer.request()));
  }

  detach(): void {
    this.coalescer?.stop();
    this.coalescer = undefined;
    for (const stop of this.unlisten.splice(0)) stop();
  }

  /** The value to snapshot: the last one computed, or a first computation. */
  current(): Promise<unknown> {
    return this.has ? Promise.resolve(this.value) : this.run();
  }

  stop(): void {
    this.stopped = true;
    this.detach();
  }

  private run(): Promise<unknown> {
    if (this.computing) return this.computing;
    const computing = (async () => {
      const value = await this.compute();
      if (!this.stopped) {
        this.value = value;
        this.has = true;
      }
      return value;
    })();
    this.computing = computing;
    const done = () => {
      if (this.computing === computing) this.computing = undefined;
    };
    computing.then(done, done);
    return computing;
  }

  /** A source changed: compute afresh (after any computation already under way) and publish. */
  private async refresh(): Promise<void> {
    try {
      if (this.computing) await this.computing.catch(() => undefined);
      if (this.stopped) return;
      const value = await this.run();
      if (!this.stopped) this.host.publish(this.topic, 'set', value);
    } catch (error) {
      this.host.reportError(error, `live.derived ${this.host.path}`);
    }
  }
}

export function derived<Value>(
  sources: readonly string[],
  fn: () => Awaitable<Value>,
  options?: DerivedOptions
): LiveDerived<[], Awaited<Value>, false>;
export function derived<Args extends unknown[], Value>(
  sources: (ctx: LiveContext, ...args: Args) => readonly string[],
  fn: (...args: Args) => Awaitable<Value>,
  options?: DerivedOptions
): LiveDerived<Args, Awaited<Value>, true>;
export function derived(
  sources: readonly string[] | ((ctx: LiveContext, ...args: unknown[]) => readonly string[]),
  fn: (...args: unknown[]) => unknown,
  options: DerivedOptions = {}
): LiveDerived<unknown[], unknown, boolean> {
  const dynamic = typeof sources === 'function';
  if (!dynamic && !(Array.isArray(sources) && sources.length > 0 && sources.every((s) => typeof s === 'string' && s.length > 0))) {
    throw new TypeError('live.derived(sources, fn): sources must be a non-empty list of topics, or a function of (ctx, ...args) returning one');
  }
  requireFunction(fn, 'live.derived(sources, fn): fn');
  const debounce = options.debounce ?? 50;
  if (!Number.isFinite(debounce) || debounce < 0) throw new TypeError(`live.derived: debounce must be a number of ms >= 0; got ${debounce}`);

  let host: ActivationHost | undefined;
  const upstreams = new Map<string, Upstream>();

  const active = (): ActivationHost => {
    if (!host) throw new Error('live.derived is not active: export it from a module in src/live/');
    return host;
  };
  const sourcesOf = (ctx: LiveContext, args: readonly unknown[]): readonly string[] =>
    dynamic ? checkSources(sources(ctx, ...args), active()) : (sources as readonly string[]);
  const topicOf = (ctx: LiveContext, args: readonly unknown[]): string => {
    const path = active().path;
    return dynamic ? runtimeTopic('derived', path, stringify([sourcesOf(ctx, args), args])) : runtimeTopic('derived', path);
  };

  const handler: LiveDerived<unknown[], unknown, boolean> = {
    [HANDLER]: 'derived',
    sources,
    options: SET,
    topic: (ctx, ...args) => topicOf(ctx, args),
    async init(ctx, ...args) {
      const upstream = upstreams.get(topicOf(ctx, args));
      return upstream ? upstream.current() : fn(...args);
    },
    start({ topic, ctx, args }) {
      const upstream = new Upstream(active(), topic, sourcesOf(ctx, args), () => fn(...args), debounce);
      upstreams.get(topic)?.stop();
      upstreams.set(topic, upstream);
      return () => {
        upstream.stop();
        if (upstreams.get(topic) === upstream) upstreams.delete(topic);
      };
    },
    activate(next) {
      host = next;
      for (const upstream of upstreams.values()) upstream.attach(next);
      return () => {
        for (const upstream of upstreams.values()) upstream.detach();
        if (host === next) host = undefined;
      };
    }
  };
  return handler;
}
