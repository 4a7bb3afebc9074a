/**
 * Cluster settings: `REALTIME_REDIS_URL` alone joins the cluster; `export const cluster = {...}`
 * in `src/hooks.ws.ts` adds what a URL cannot say (key prefix, client options, timings).
 */

/** `export const cluster: ClusterOptions = { ... }` in `src/hooks.ws.ts`. */
export interface ClusterOptions {
  /** `redis://` or `rediss://` URL. Default: the `REALTIME_REDIS_URL` environment variable. */
  url?: string;
  /** Prefix of every Redis key and channel, so apps can share one Redis. Default `realtime:`. */
  prefix?: string;
  /** More options for @redis/client's `createClient` (TLS, credentials, ...). */
  client?: Record<string, unknown>;
  /** How often an instance says it is alive, in ms. Default 5 000. */
  heartbeatMs?: number;
  /** An instance silent this long is gone: its presence members leave. Default 15 000. */
  expireMs?: number;
  /** Events kept per topic for clients that resume on another instance. Default 256. */
  history?: number;
  /** A topic with no publish for this long forgets its position and history. Default 24 h. */
  historyTtlMs?: number;
}

export interface ResolvedCluster {
  url: string;
  prefix: string;
  client: Record<string, unknown>;
  heartbeatMs: number;
  expireMs: number;
  history: number;
  historyTtlMs: number;
}

/** A cluster setting that cannot work; `code` says it is a configuration error. */
export class ClusterConfigError extends Error {
  readonly code = 'CLUSTER_CONFIG';
  constructor(message: string) {
    super(`svelte-realtime cluster: ${message}`);
    this.name = 'ClusterConfigError';
  }
}

const KEYS = new Set(['url', 'prefix', 'client', 'heartbeatMs', 'expireMs', 'history', 'historyTtlMs']);

function positive(options: ClusterOptions, key: 'heartbeatMs' | 'expireMs' | 'history' | 'historyTtlMs', fallback: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ClusterConfigError(`${key} must be a positive whole number; got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The cluster to join, or undefined to run as one process: from `options` (the hooks file's
 * `cluster` export) over `REALTIME_REDIS_URL`. Throws ClusterConfigError for a bad setting,
 * with or without a URL.
 */
export function resolveCluster(options: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedCluster | undefined {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new ClusterConfigError('the cluster export of src/hooks.ws.ts must be an object such as { prefix: "myapp:" }');
  }
  const given = (options ?? {}) as ClusterOptions;
  for (const key of Object.keys(given)) {
    if (!KEYS.has(key)) throw new ClusterConfigError(`unknown option ${JSON.stringify(key)}; use one of ${[...KEYS].join(', ')}`);
  }
  const url = given.url ?? env.REALTIME_REDIS_URL;
  const joins = url !== undefined && url !== '';
  if (joins && (typeof url !== 'string' || !(url.startsWith('redis://') || url.startsWith('rediss://')))) {
    throw new ClusterConfigError(`the Redis URL must start with redis:// or rediss://; got one starting ${JSON.stringify(String(url).slice(0, 8))}`);
  }
  const prefix = given.prefix ?? 'realtime:';
  if (typeof prefix !== 'string') throw new ClusterConfigError('prefix must be a string such as "myapp:"');
  if (given.client !== undefined && (typeof given.client !== 'object' || given.client === null)) {
    throw new ClusterConfigError('client must be an object of @redis/client options');
  }
  const heartbeatMs = positive(given, 'heartbeatMs', 5_000);
  const expireMs = positive(given, 'expireMs', 15_000);
  if (expireMs <= heartbeatMs) throw new ClusterConfigError(`expireMs (${expireMs}) must be longer than heartbeatMs (${heartbeatMs})`);
  // Checked even without a URL: a mistyped option is found on the first start, not on the first deploy.
  if (!joins) return undefined;
  return {
    url: url as string,
    prefix,
    client: given.client ?? {},
    heartbeatMs,
    expireMs,
    history: positive(given, 'history', 256),
    historyTtlMs: positive(given, 'historyTtlMs', 24 * 60 * 60 * 1000)
  };
}
