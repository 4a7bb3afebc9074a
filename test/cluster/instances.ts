/**
 * Real instances of a clustered app for the cluster tests: each a separate Node process
 * (test/fixtures/cluster/server.mjs, loading the built runtime from dist/) on its own port,
 * joined to the test's redis-server through REALTIME_REDIS_URL.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient } from '@redis/client';
import { freePort, type TestRedis } from '../helpers/redis.js';

const script = fileURLToPath(new URL('../fixtures/cluster/server.mjs', import.meta.url));

export interface Instance {
  name: string;
  port: number;
  /** The WebSocket URL; `?user=` names the connection's user. */
  url(user?: string): string;
  child: ChildProcess;
  /** What the process printed (its one-line cluster messages among others). */
  output(): string;
  /** Sends `signal` and resolves once the process exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<Instance>();

/** Starts an instance on `port` (a free one by default) and waits until it serves and joined the cluster. */
export async function startInstance(redis: TestRedis, name: string, port?: number, env: Record<string, string> = {}): Promise<Instance> {
  const chosen = port ?? (await freePort());
  let output = '';
  const child = fork(script, [String(chosen), name], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, REALTIME_REDIS_URL: redis.url, ...env }
  });
  child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
  const seen = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message) => {
      seen.add(String(message));
      if (seen.has('listening') && seen.has('joined')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`instance ${name} exited with ${code}: ${output}`)));
  });
  const instance: Instance = {
    name,
    port: chosen,
    url: (user) => `ws://127.0.0.1:${chosen}/__realtime${user ? `?user=${encodeURIComponent(user)}` : ''}`,
    child,
    output: () => output,
    kill(signal = 'SIGKILL') {
      running.delete(instance);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    }
  };
  running.add(instance);
  return instance;
}

/** Kills every instance still running (after each test). */
export async function stopInstances(): Promise<void> {
  await Promise.all([...running].map((instance) => instance.kill()));
}

/** A plain Redis client on the test's server, to read what the app stored (its db: keys). */
export async function redisClient(redis: TestRedis) {
  const client = createClient({ url: redis.url });
  client.on('error', () => {});
  await client.connect();
  return client;
}
