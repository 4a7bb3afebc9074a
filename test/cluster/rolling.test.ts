/**
 * A rolling deploy: two instances behind a load balancer are stopped (SIGTERM) and started
 * again one after the other, under load (hundreds of subscribers, a steady publisher, calls
 * flowing). Sockets of the stopping instance close with 1012 and reconnect through the load
 * balancer to the other one, resuming from their position: no event is lost, no call fails.
 */
import { describe, expect, it } from 'vitest';
import { createStream } from '../../runtime/client/stream.js';
import { clientSocket, until, useClientTests } from '../helpers/client.js';
import { startRedis } from '../helpers/redis.js';
import { redisClient, startInstance, stopInstances, type Instance } from './instances.js';
import { startProxy } from './proxy.js';
import { eventually } from './setup.js';

const cleanups = useClientTests(() => stopInstances());

interface Item {
  id: number;
  text: string;
}

const SUBSCRIBERS = 200;

describe('rolling restart', () => {
  it('restarts both instances in turn under load with no event lost and no call failed', async () => {
    const redis = await startRedis();
    cleanups.push(() => void redis.stop());
    let a = await startInstance(redis, 'a');
    let b = await startInstance(redis, 'b');
    const up = new Set<Instance>([a, b]);
    const proxy = await startProxy(() => [...up].map((instance) => instance.port));
    cleanups.push(() => void proxy.close());

    const sockets = Array.from({ length: SUBSCRIBERS }, () => clientSocket(proxy.url, { maxDelay: 200 }));
    const stores = sockets.map((socket) => createStream<Item[]>(() => socket, 'app/feed', []));
    for (const store of stores) cleanups.push(store.subscribe(() => {}));
    await Promise.all(stores.map((store) => until(store, (items) => Array.isArray(items), 'the first snapshot', 15_000)));

    const publisher = clientSocket(proxy.url, { maxDelay: 200, timeout: 20_000 });
    let sent = 0;
    let failed = 0;
    let publishing = true;
    const steady = (async () => {
      while (publishing) {
        await publisher.call('app/add', [`item ${sent}`]).then(
          () => sent++,
          () => failed++
        );
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await eventually(async () => sent >= 30, 'publishes before the deploy', 10_000);

    // Roll: stop a, start it again, then the same for b.
    for (const name of ['a', 'b'] as const) {
      const old = name === 'a' ? a : b;
      up.delete(old);
      await old.kill('SIGTERM');
      const before = sent;
      await eventually(async () => sent >= before + 20, `publishes while ${name} is down`, 15_000);
      const fresh = await startInstance(redis, name, old.port);
      up.add(fresh);
      if (name === 'a') a = fresh;
      else b = fresh;
      const after = sent;
      await eventually(async () => sent >= after + 20, `publishes after ${name} is back`, 15_000);
    }
    publishing = false;
    await steady;
    expect(failed).toBe(0);

    const db = await redisClient(redis);
    const state = (await db.lRange('db:items', 0, -1)).map((item) => JSON.parse(item) as Item);
    await db.close();
    expect(state.length).toBe(sent);
    const ids = state.map((item) => item.id).join();
    for (const store of stores) {
      const items = await until(store, (value) => value?.map((item) => item.id).join() === ids, 'the database state', 15_000);
      expect(items?.length).toBe(state.length);
    }
  }, 120_000);
});
