/**
 * Metrics: what the runtime counts for Prometheus, off until asked for.
 *
 * Counting is done here, in plain numbers and `Map`s keyed by bounded labels: a call adds one
 * to a count and one to a histogram bucket, a publish one to a count. prom-client (loaded only
 * when metrics are on) is what the numbers are read through at scrape time: its `Registry`
 * formats them and can be merged with the app's own. Its labelled counters and histograms are
 * not used on the call path: at 0.5 to 1 µs per update they would cost a tenth of a call.
 *
 * Labels a client can influence are bounded: a call's path is a registered `module/export` or
 * `(unknown)`; a topic is its own name when a module declares it statically, `@kind:path` for
 * the runtime's topics (rooms, derived streams...), and any other topic (one computed from
 * arguments) keeps its name for the first MAX_TOPIC_LABELS such topics, `(other)` after.
 */
import type { Registry as PromRegistry } from 'prom-client';
import { isRuntimeTopic } from './topic-names.js';

/** What metrics read from the runtime at scrape time. */
export interface MetricsSource {
  readonly connections: ReadonlyMap<string, { readonly buffered: number }>;
  readonly topics: { list(): { topic: string; subscribers: number }[] };
  readonly registry: { get(path: string): unknown; ownersOf(topic: string): readonly unknown[] };
}

/** Why an upgrade was refused, as the `reason` label says it. */
export type RefusalReason = 'origin' | 'unauthorized' | 'forbidden' | 'server_full' | 'address_full' | 'upgrade_error';

/** Topics computed from arguments that keep their own label; later ones count as `(other)`. */
export const MAX_TOPIC_LABELS = 100;
/** Error codes kept apart per path (codes come from handlers' code, but a handler might build one from input). */
const MAX_CODES_PER_PATH = 20;
/** Paths kept apart (every registered export; reloads in dev may add more). */
const MAX_PATHS = 2000;
/** Raw topic names whose label is remembered, so a publish computes it once. */
const MAX_CACHED_TOPICS = 10_000;
/** Histogram bounds of a call's duration, in seconds. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
const BUCKET_BOUNDS_MS = DURATION_BUCKETS.map((seconds) => seconds * 1000);
/** Close codes reported as themselves; any other is `other`. */
const KNOWN_CLOSE_CODES = new Set([1000, 1001, 1005, 1006, 1008, 1009, 1011, 1012, 4008, 4401, 4403]);

const UNKNOWN_PATH = '(unknown)';
const OTHER = '(other)';

interface PathStats {
  /** Calls answered with a result (kept apart from `codes`: the common case costs one increment). */
  ok: number;
  /** Calls that failed, by error code. */
  readonly codes: Map<string, number>;
  /** Calls at or under each bound (not cumulative; summed when read). */
  readonly buckets: Float64Array;
  count: number;
  sumMs: number;
}

export class Metrics {
  private readonly paths = new Map<string, PathStats>();
  /** Publishes by label; topics with the same label share one counter. */
  private readonly publishes = new Map<string, { value: number }>();
  /** Each topic seen, with its label's publish counter (bounded: cleared past MAX_CACHED_TOPICS). */
  private readonly topicLabels = new Map<string, { label: string; publishes: { value: number } }>();
  private readonly dynamicTopics = new Set<string>();
  private readonly refusals = new Map<RefusalReason, number>();
  private readonly closes = new Map<string, number>();
  private readonly resumes = { replayed: 0, snapshot: 0 };
  private opened = 0;
  private promRegistry: Promise<PromRegistry> | undefined;

  constructor(private readonly source: MetricsSource) {}

  /** A finished call (`code` is `ok` or the error code it failed with). */
  call(path: string, code: string, durationMs: number): void {
    const stats = this.paths.get(path) ?? this.statsFor(path);
    stats.count++;
    stats.sumMs += durationMs;
    let bucket = 0;
    while (bucket < BUCKET_BOUNDS_MS.length && durationMs > BUCKET_BOUNDS_MS[bucket]!) bucket++;
    stats.buckets[bucket]!++;
    if (code === 'ok') {
      stats.ok++;
      return;
    }
    const codes = stats.codes;
    const seen = codes.get(code);
    if (seen !== undefined) codes.set(code, seen + 1);
    else if (codes.size < MAX_CODES_PER_PATH) codes.set(code, 1);
    else codes.set(OTHER, (codes.get(OTHER) ?? 0) + 1);
  }

  published(topic: string): void {
    (this.topicLabels.get(topic) ?? this.labelTopic(topic)).publishes.value++;
  }

  /** A reconnecting client asked to resume a subscription: replayed from history, or sent a fresh snapshot. */
  resumed(replayed: boolean): void {
    if (replayed) this.resumes.replayed++;
    else this.resumes.snapshot++;
  }

  refused(reason: RefusalReason): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  connectionOpened(): void {
    this.opened++;
  }

  connectionClosed(code: number): void {
    const label = KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other';
    this.closes.set(label, (this.closes.get(label) ?? 0) + 1);
  }

  /** The numbers as a prom-client Registry (prom-client is loaded on the first call). */
  registry(): Promise<PromRegistry> {
    return (this.promRegistry ??= import('prom-client').then(({ Registry }) => {
      const registry = new Registry();
      for (const metric of this.collectors()) registry.registerMetric(metric as unknown as Parameters<PromRegistry['registerMetric']>[0]);
      return registry;
    }));
  }

  /** The Prometheus text of every metric, with its content type. */
  async text(): Promise<{ contentType: string; body: string }> {
    const registry = await this.registry();
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  private statsFor(path: string): PathStats {
    const label = this.paths.size < MAX_PATHS && this.source.registry.get(path) !== undefined ? path : UNKNOWN_PATH;
    let stats = this.paths.get(label);
    if (!stats) {
      stats = { ok: 0, codes: new Map(), buckets: new Float64Array(BUCKET_BOUNDS_MS.length + 1), count: 0, sumMs: 0 };
      this.paths.set(label, stats);
    }
    return stats;
  }

  /** The topic's label (see the file's comment), remembered with its publish counter. */
  private labelTopic(topic: string): { label: string; publishes: { value: number } } {
    let label: string;
    if (isRuntimeTopic(topic)) {
      // `@kind:path:...parts`: the parts come from arguments (a room id), kind and path do not.
      const afterKind = topic.indexOf(':');
      const afterPath = afterKind < 0 ? -1 : topic.indexOf(':', afterKind + 1);
      label = afterPath < 0 ? topic : topic.slice(0, afterPath);
    } else if (this.source.registry.ownersOf(topic).length > 0 || this.dynamicTopics.has(topic)) {
      label = topic;
    } else if (this.dynamicTopics.size < MAX_TOPIC_LABELS) {
      this.dynamicTopics.add(topic);
      label = topic;
    } else {
      label = OTHER;
    }
    let publishes = this.publishes.get(label);
    if (!publishes) this.publishes.set(label, (publishes = { value: 0 }));
    const entry = { label, publishes };
    if (this.topicLabels.size >= MAX_CACHED_TOPICS) this.topicLabels.clear();
    this.topicLabels.set(topic, entry);
    return entry;
  }

  /**
   * Each metric as prom-client's Registry reads one: a name, help, type and `get()` of its
   * current values, computed from the numbers above when scraped.
   */
  private collectors(): ScrapedMetric[] {
    const source = this.source;
    return [
      gauge('realtime_connections', 'Open WebSocket connections.', () => [{ labels: {}, value: source.connections.size }]),
      counter('realtime_connections_opened_total', 'WebSocket connections accepted since the server started.', () => [{ labels: {}, value: this.opened }]),
      counter('realtime_disconnects_total', 'Connections closed, by close code (4008: cut for not reading; 1012: server restart).', () =>
        [...this.closes].map(([code, value]) => ({ labels: { code }, value }))
      ),
      counter('realtime_upgrades_refused_total', 'WebSocket upgrades refused, by reason.', () =>
        [...this.refusals].map(([reason, value]) => ({ labels: { reason }, value }))
      ),
      counter('realtime_resumes_total', 'Subscriptions resumed by reconnecting clients: replayed from history, or sent a fresh snapshot.', () => [
        { labels: { outcome: 'replayed' }, value: this.resumes.replayed },
        { labels: { outcome: 'snapshot' }, value: this.resumes.snapshot }
      ]),
      counter('realtime_calls_total', 'Calls answered, by path and code (ok, or the error code).', () => {
        const values: ScrapedValue[] = [];
        for (const [path, stats] of this.paths) {
          if (stats.ok > 0) values.push({ labels: { path, code: 'ok' }, value: stats.ok });
          for (const [code, value] of stats.codes) values.push({ labels: { path, code }, value });
        }
        return values;
      }),
      {
        name: 'realtime_call_duration_seconds',
        help: 'Time from a call arriving to its answer, by path.',
        type: 'histogram',
        aggregator: 'sum',
        get: async () => ({
          name: 'realtime_call_duration_seconds',
          help: 'Time from a call arriving to its answer, by path.',
          type: 'histogram',
          aggregator: 'sum',
          values: [...this.paths].flatMap(([path, stats]) => histogramValues('realtime_call_duration_seconds', path, stats))
        }),
        reset: () => {}
      },
      counter('realtime_publishes_total', 'Events published, by topic (bounded: see the README).', () =>
        [...this.publishes].map(([topic, { value }]) => ({ labels: { topic }, value }))
      ),
      gauge('realtime_subscribers', 'Subscriptions held now, by topic (bounded: see the README).', () => {
        const byLabel = new Map<string, number>();
        for (const { topic, subscribers } of source.topics.list()) {
          if (subscribers === 0) continue;
          const label = (this.topicLabels.get(topic) ?? this.labelTopic(topic)).label;
          byLabel.set(label, (byLabel.get(label) ?? 0) + subscribers);
        }
        return [...byLabel].map(([topic, value]) => ({ labels: { topic }, value }));
      }),
      gauge('realtime_buffered_bytes', 'Bytes written to sockets and not yet sent (slow consumers).', () => {
        let total = 0;
        for (const conn of source.connections.values()) total += conn.buffered;
        return [{ labels: {}, value: total }];
      })
    ];
  }
}

interface ScrapedValue {
  labels: Record<string, string>;
  value: number;
  metricName?: string;
}

interface ScrapedMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: ScrapedValue[] }>;
  reset(): void;
}

function scraped(type: 'counter' | 'gauge', name: string, help: string, values: () => ScrapedValue[]): ScrapedMetric {
  return { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: values() }), reset: () => {} };
}

const counter = (name: string, help: string, values: () => ScrapedValue[]) => scraped('counter', name, help, values);
const gauge = (name: string, help: string, values: () => ScrapedValue[]) => scraped('gauge', name, help, values);

/** One path's histogram lines: cumulative buckets, then the sum and the count. */
function histogramValues(name: string, path: string, stats: PathStats): ScrapedValue[] {
  const values: ScrapedValue[] = [];
  let cumulative = 0;
  DURATION_BUCKETS.forEach((bound, i) => {
    cumulative += stats.buckets[i]!;
    values.push({ metricName: `${name}_bucket`, labels: { le: String(bound), path }, value: cumulative });
  });
  values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', path }, value: stats.count });
  values.push({ metricName: `${name}_sum`, labels: { path }, value: stats.sumMs / 1000 });
  values.push({ metricName: `${name}_count`, labels: { path }, value: stats.count });
  return values;
}
