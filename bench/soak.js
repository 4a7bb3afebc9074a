/**
 * `npm run soak`: 2 000 connections with 3 subscriptions each, a publisher and callers running
 * for a fixed time on loopback (SOAK_SECONDS, default 60; SOAK_CONNECTIONS, default 2000).
 * Prints memory per connection, p50/p99 delivery latency, calls made and failed, and events
 * delivered, lost and duplicated; exits non-zero if any event was lost or duplicated, or a
 * call failed. Not part of `npm test`: it takes minutes and loads the machine.
 *
 * The server runs here (its memory is what is measured); the clients run in two child
 * processes, so their work is not counted against it.
 */
import { live } from '../dist/runtime/server/index.js';
import { startChild } from './lib/child.js';
import { startRealtime } from './lib/servers.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 2000);
const ROOMS = 100;
/** Publishes per second on each shared topic, and spread over the rooms. */
const RATE = { shared: 20, rooms: 200 };
/** Each client calls once every this many ms. */
const CALL_EVERY = 5_000;

const now = () => Number(process.hrtime.bigint()) / 1e6;

async function memory() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed + usage.external, rss: usage.rss };
}

async function main() {
  const server = await startRealtime({
    soak: {
      a: live.stream('a', () => null, { merge: 'set' }),
      b: live.stream('b', () => [], { merge: 'latest', max: 20 }),
      room: live.stream((_ctx, room) => `room:${room}`, () => [], { merge: 'latest', max: 20 }),
      echo: live((_ctx, value) => value)
    }
  });
  const before = await memory();
  const children = [startChild('./soak-clients.js'), startChild('./soak-clients.js')];
  const half = Math.ceil(CONNECTIONS / children.length);
  const connected = await Promise.all(
    children.map((child, i) => child.request({ t: 'connect', url: server.url, count: Math.min(half, CONNECTIONS - i * half), offset: i * half, rooms: ROOMS }))
  );
  const connections = connected.reduce((sum, c) => sum + c.connected, 0);
  const idle = await memory();
  console.log(`soak: ${connections} connections, 3 subscriptions each, for ${SECONDS} s`);

  await Promise.all(children.map((child) => child.request({ t: 'call', every: CALL_EVERY })));
  let published = 0;
  const tick = 1000 / RATE.shared;
  let carry = 0;
  const publisher = setInterval(() => {
    const sentAt = now();
    server.runtime.publish('a', 'set', { sentAt });
    server.runtime.publish('b', 'created', { sentAt, n: published });
    published += 2;
    carry += (RATE.rooms * tick) / 1000;
    for (; carry >= 1; carry--) {
      server.runtime.publish(`room:room${published % ROOMS}`, 'created', { sentAt, n: published });
      published++;
    }
  }, 1000 / RATE.shared);
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  clearInterval(publisher);
  const busy = await memory();
  const reports = await Promise.all(children.map((child) => child.request({ t: 'report' })));
  for (const child of children) await child.close();
  await server.close();

  const total = (key) => reports.reduce((sum, r) => sum + r[key], 0);
  const kib = (bytes) => (bytes / 1024).toFixed(1);
  const result = {
    connections,
    seconds: SECONDS,
    heapPerConnectionKiB: kib((idle.heap - before.heap) / connections),
    heapPerConnectionUnderLoadKiB: kib((busy.heap - before.heap) / connections),
    rssPerConnectionKiB: kib((busy.rss - before.rss) / connections),
    published,
    eventsDelivered: total('events'),
    eventsLost: total('lost'),
    eventsDuplicated: total('duplicated'),
    deliveryP50ms: Math.max(...reports.map((r) => r.p50)).toFixed(2),
    deliveryP99ms: Math.max(...reports.map((r) => r.p99)).toFixed(2),
    calls: total('calls'),
    callsFailed: total('callsFailed') + total('unanswered'),
    socketsClosed: total('closed')
  };
  console.table(result);
  const ok = result.eventsLost === 0 && result.eventsDuplicated === 0 && result.callsFailed === 0 && result.socketsClosed === 0;
  console.log(ok ? 'soak: passed (0 lost, 0 duplicated, 0 failed calls)' : 'soak: FAILED');
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
