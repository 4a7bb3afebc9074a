/**
 * The per-file set-up of the cluster tests: one redis-server for the file, the test's clients
 * closed and its instances killed after each test, and the app's data (db: keys) and the
 * cluster's keys cleared so each test starts empty.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { TestClient } from '../helpers/server.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { redisClient, stopInstances } from './instances.js';

export interface ClusterTestContext {
  redis: TestRedis;
  /** Connects a raw protocol client, closed after the test. */
  connect(url: string): Promise<TestClient>;
}

export function useCluster(): ClusterTestContext {
  const clients: TestClient[] = [];
  const context = {
    redis: undefined as unknown as TestRedis,
    async connect(url: string) {
      const client = await TestClient.connect(url);
      clients.push(client);
      return client;
    }
  };
  beforeAll(async () => {
    context.redis = await startRedis();
  });
  afterAll(async () => {
    await context.redis.stop();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await stopInstances();
    const db = await redisClient(context.redis);
    await db.flushAll();
    await db.close();
  });
  return context;
}

/** Polls an asynchronous check (a Redis read) until it returns a value or true, within `timeout` ms. */
export async function eventually<T>(test: () => Promise<T | undefined | false>, what: string, timeout = 5000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await test();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
