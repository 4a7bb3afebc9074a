/**
 * Cluster settings: unset, nothing changes and the Redis client is never loaded; a bad
 * setting is refused at start-up with a ClusterConfigError (code CLUSTER_CONFIG) that says
 * what to write instead.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ClusterConfigError, resolveCluster } from '../../runtime/server/cluster/options.js';
import { Runtime } from '../../runtime/server/runtime.js';
import { readImportGraph } from '../architecture/import-graph.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function refusal(options: unknown, env: NodeJS.ProcessEnv = { REALTIME_REDIS_URL: 'redis://127.0.0.1:6379' }): ClusterConfigError {
  try {
    resolveCluster(options, env);
  } catch (error) {
    return error as ClusterConfigError;
  }
  throw new Error('expected a ClusterConfigError');
}

describe('cluster settings', () => {
  it('runs as one process when no URL is set', () => {
    expect(resolveCluster(undefined, {})).toBeUndefined();
    expect(resolveCluster({ prefix: 'app:' }, {})).toBeUndefined();
    const runtime = new Runtime();
    const saved = process.env.REALTIME_REDIS_URL;
    delete process.env.REALTIME_REDIS_URL;
    try {
      runtime.load({ modules: [], options: { dev: false } });
      expect(runtime.cluster).toBeUndefined();
    } finally {
      if (saved !== undefined) process.env.REALTIME_REDIS_URL = saved;
      runtime.close();
    }
  });

  it('reads the URL from REALTIME_REDIS_URL and the rest from the hooks export', () => {
    const settings = resolveCluster({ prefix: 'shop:', heartbeatMs: 1000, expireMs: 3000 }, { REALTIME_REDIS_URL: 'rediss://cache:6380' });
    expect(settings).toMatchObject({ url: 'rediss://cache:6380', prefix: 'shop:', heartbeatMs: 1000, expireMs: 3000, history: 256 });
  });

  it('refuses bad settings with a typed error that says what to do', () => {
    const cases: [unknown, NodeJS.ProcessEnv | undefined, string][] = [
      ['redis://x', undefined, 'must be an object'],
      [{ prefx: 'a' }, undefined, 'unknown option "prefx"'],
      [{}, { REALTIME_REDIS_URL: 'http://cache:6379' }, 'must start with redis:// or rediss://'],
      [{ prefix: 3 }, undefined, 'prefix must be a string'],
      [{ heartbeatMs: 0 }, undefined, 'heartbeatMs must be a positive whole number'],
      [{ heartbeatMs: 5000, expireMs: 4000 }, undefined, 'must be longer than heartbeatMs'],
      [{ client: 'tls' }, undefined, 'client must be an object']
    ];
    for (const [options, env, message] of cases) {
      const error = refusal(options, env);
      expect(error).toBeInstanceOf(ClusterConfigError);
      expect(error.code).toBe('CLUSTER_CONFIG');
      expect(error.message).toContain(message);
    }
  });

  it('fails the start-up of a production runtime whose cluster setting is bad', () => {
    const runtime = new Runtime();
    expect(() => runtime.load({ modules: [], hooks: { cluster: { prefix: 1 } } as never, options: { dev: false } })).toThrow(/CLUSTER_CONFIG|prefix must be a string/);
    runtime.close();
  });

  it('never loads the Redis client statically: only the cluster membership imports it, on demand', () => {
    const edges = readImportGraph(root, ['runtime']);
    const redisImports = edges.filter((edge) => edge.to === '@redis/client' && edge.kind !== 'type');
    expect(redisImports.map((edge) => edge.from)).toEqual(['runtime/server/cluster/redis-bus.ts']);
    const busImports = edges.filter((edge) => edge.to === 'runtime/server/cluster/redis-bus.ts' && edge.kind !== 'type');
    expect(busImports.map((edge) => `${edge.from} ${edge.kind}`)).toEqual(['runtime/server/cluster/membership.ts dynamic']);
  });
});
