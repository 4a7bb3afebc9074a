/**
 * Redis faults: Redis restarted empty mid-stream (no persistence). Instances keep answering
 * calls and serving their own clients, log one line, reconnect, and move the topics whose
 * history was lost to a new epoch: every store re-runs init and ends equal to the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream } from '../../runtime/client/stream.js';
import { clientSocket, until, useClientTests } from '../helpers/client.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { redisClient, startInstance, stopInstances } from './instances.js';
import { eventually } from './setup.js';

let bus: TestRedis;
let database: TestRedis;
beforeAll(async () => {
  [bus, database] = await Promise.all([startRedis(), startRedis()]);
});
afterAll(async () => {
  await Promise.all([bus.stop(), database.stop()]);
});
const cleanups = useClientTests(() => stopInstances());

interface Item {
  id: number;
  text: string;
}

describe('cluster faults', () => {
  it('survives a Redis restart mid-stream: calls go on, and every store ends equal to the database', async () => {
    const env = { DB_REDIS_URL: database.url };
    const [a, b] = await Promise.all([startInstance(bus, 'a', undefined, env), startInstance(bus, 'b', undefined, env)]);
    const sockets = [clientSocket(a.url()), clientSocket(b.url()), clientSocket(b.url())];
    const stores = sockets.map((socket) => createStream<Item[]>(() => socket, 'app/feed', []));
    for (const store of stores) cleanups.push(store.subscribe(() => {}));
    await Promise.all(stores.map((store) => until(store, (items) => Array.isArray(items), 'the first snapshot')));
    // Generous call timeouts: the machine running the tests may be busy; a call must not fail for that.
    const publishers = [clientSocket(a.url(), { timeout: 20_000 }), clientSocket(b.url(), { timeout: 20_000 })];
    let sent = 0;
    let failed = 0;
    let publishing = true;
    const steady = (async () => {
      while (publishing) {
        await Promise.all(
          publishers.map((socket, p) =>
            socket.call('app/add', [`${p}-${sent}`]).then(
              () => sent++,
              () => failed++
            )
          )
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await eventually(async () => sent >= 40, 'publishes before the restart');
    await bus.restart();
    const restartedAt = sent;
    await eventually(async () => sent >= restartedAt + 80, 'publishes after the restart', 15_000);
    publishing = false;
    await steady;
    // Calls never failed: they do not need the cluster's Redis.
    expect(failed).toBe(0);
    const db = await redisClient(database);
    const state = (await db.lRange('db:items', 0, -1)).map((item) => JSON.parse(item) as Item);
    await db.close();
    // Two instances publish at once, so the order of the feed may differ from the list's; the
    // items may not: each store holds exactly the database's, none lost, none twice.
    const sorted = (items: Item[]) => items.map((item) => item.id).sort((x, y) => x - y);
    const ids = sorted(state);
    for (const store of stores) {
      const items = await until(store, (value) => value?.length === state.length && sorted(value).join() === ids.join(), 'the database state', 20_000);
      expect(sorted(items ?? [])).toEqual(ids);
    }
    // One line when Redis went away, per instance, however many publishes failed meanwhile.
    for (const instance of [a, b]) {
      expect(instance.output().split('Redis unreachable').length - 1, instance.output()).toBe(1);
      expect(instance.child.exitCode).toBeNull();
    }
  }, 60_000);
});
