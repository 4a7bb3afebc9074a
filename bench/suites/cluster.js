/**
 * Cross-instance fan-out over Redis: one publish on one instance to clients spread over two,
 * and sustained publishes; side by side with Socket.IO 4 and @socket.io/redis-adapter on the
 * same redis-server in the same run. Then the bus's own cost: one instance with Redis on
 * against one with it off. Servers run in this process, clients in a child process.
 */
import http from 'node:http';
import { createClient } from '@redis/client';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { live } from '../../dist/runtime/server/index.js';
import { Runtime } from '../../dist/runtime/server/runtime.js';
import { startChild } from '../lib/child.js';
import { startRedisServer } from '../lib/redis-server.js';
import { median, nowMs, row } from '../lib/stats.js';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/** Our runtime as `node build` runs it, in the cluster named by `cluster` (or alone when undefined). */
async function startInstance(cluster) {
  const runtime = new Runtime();
  const feed = live.stream('feed', () => null, { merge: 'set' });
  runtime.load({
    modules: [{ path: 'bench', file: 'src/live/bench.ts', namespace: { feed }, exports: [['feed', 'stream']] }],
    hooks: cluster ? { cluster } : {},
    options: { dev: false, limits: { maxConnectionsPerAddress: 1_000_000 } }
  });
  if (runtime.cluster) await runtime.cluster.joined;
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  runtime.attach(server);
  const port = await listen(server);
  return {
    publish: (data) => runtime.publish('feed', 'set', data),
    url: `ws://127.0.0.1:${port}/__realtime`,
    async close() {
      runtime.close();
      await runtime.cluster?.leave();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  };
}

/** A Socket.IO 4 server with the Redis adapter: the reference a Socket.IO app scales out with. */
async function startSocketIo(url) {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const server = http.createServer();
  const io = new Server(server, { adapter: createAdapter(pub, sub), transports: ['websocket'] });
  const port = await listen(server);
  return {
    publish: (data) => io.emit('feed', data),
    url: `http://127.0.0.1:${port}`,
    async close() {
      io.close();
      await Promise.allSettled([pub.close(), sub.close()]);
    }
  };
}

export default async function cluster({ quick }) {
  const clients = quick ? 50 : 1000;
  const trials = quick ? 3 : 30;
  const sustained = quick ? { rounds: 1, events: 10 } : { rounds: 9, events: 100 };
  const redis = await startRedisServer();
  const shared = { url: redis.url, prefix: 'bench:' };
  const ours = [await startInstance(shared), await startInstance(shared)];
  const sio = [await startSocketIo(redis.url), await startSocketIo(redis.url)];
  const single = await startInstance({ url: redis.url, prefix: 'bench-single:' });
  const alone = await startInstance(undefined);
  const child = startChild('./cluster-clients.js');
  let markers = 0;
  const message = (marker, id) => ({ id, text: 'hello everyone', marker });
  const publishers = { ours: ours[0], sio: sio[0], single, alone };

  /** Publishes `events` times on the target's first instance; ms until every client has the last one. */
  async function measure(target, events) {
    const marker = `m${++markers}x`;
    await child.request({ t: 'arm', target, marker, events });
    const report = child.next();
    const start = nowMs();
    for (let i = 0; i < events; i++) publishers[target].publish(message(marker, i));
    return (await report).last - start;
  }

  async function compare(a, b) {
    const single = { [a]: [], [b]: [] };
    for (let i = 0; i < 3; i++) for (const target of [a, b]) await measure(target, 1); // warm-up
    const order = (i) => (i % 2 === 0 ? [a, b] : [b, a]);
    for (let i = 0; i < trials; i++) for (const target of order(i)) single[target].push(await measure(target, 1));
    const rate = { [a]: [], [b]: [] };
    for (let i = 0; i < sustained.rounds; i++) {
      for (const target of order(i)) rate[target].push((sustained.events / (await measure(target, sustained.events))) * 1000);
    }
    return { single, rate };
  }

  try {
    await child.request({ t: 'connect', target: 'ours', kind: 'ours', urls: ours.map((s) => s.url), count: clients });
    await child.request({ t: 'connect', target: 'sio', kind: 'socket.io', urls: sio.map((s) => s.url), count: clients });
    const spread = await compare('ours', 'sio');
    await child.request({ t: 'connect', target: 'single', kind: 'ours', urls: [single.url], count: clients / 2 });
    await child.request({ t: 'connect', target: 'alone', kind: 'ours', urls: [alone.url], count: clients / 2 });
    const cost = await compare('single', 'alone');
    return [
      row({
        name: `Cluster, 1 publish to ${clients} clients on 2 instances`,
        value: median(spread.single.ours),
        unit: 'ms',
        reference: 'Socket.IO 4 + redis-adapter',
        referenceValue: median(spread.single.sio),
        target: '<= 1.0',
        note: `median of ${trials} trials; published on one instance, time until the last client on either has it`
      }),
      row({
        name: `Cluster, sustained to ${clients} clients on 2 instances`,
        value: median(spread.rate.ours),
        unit: 'publishes/s',
        reference: 'Socket.IO 4 + redis-adapter',
        referenceValue: median(spread.rate.sio),
        target: '>= 1.5',
        note: `${sustained.events} publishes back to back until every client has all; median of ${sustained.rounds} rounds`
      }),
      row({
        name: `Bus cost, sustained to ${clients / 2} clients on 1 instance`,
        value: median(cost.rate.single),
        unit: 'publishes/s',
        reference: 'the same instance without Redis',
        referenceValue: median(cost.rate.alone),
        target: '>= 0.8',
        note: 'every publish numbered in Redis and back through its channel, against numbered in memory'
      })
    ];
  } finally {
    await child.close();
    await Promise.allSettled([...ours, ...sio, single, alone].map((server) => server.close()));
    await redis.stop();
  }
}
