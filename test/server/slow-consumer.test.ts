/**
 * Clients that stop reading while a busy topic is published to them: each is cut as soon as it
 * is `maxBufferedBytes` behind (or when all of them together pass `maxBufferedBytesTotal`), so
 * the server's memory stays bounded, while a client that reads receives every event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/index.js';
import { module, startServer, TestClient, waitFor, type TestServer } from '../helpers/server.js';

const STALLED = 20;
const EVENTS = 400;
const EVENT_BYTES = 64 * 1024;
/** How soon after the last publish every stalled client must be gone: generous, the old wait was 30 s. */
const PROMPTLY_MS = 2000;

let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

interface Run {
  /** The most bytes waiting in the server for all clients together, after any publish. */
  peakBuffered: number;
  /** The most the server's heap and external memory grew, after any publish. */
  peakGrowth: number;
  /** Close codes the close hook saw. */
  closes: number[];
}

async function publishToStalledClients(limits: Record<string, number>): Promise<Run> {
  const closes: number[] = [];
  server = await startServer({
    modules: [module('app', { feed: live.stream('feed', () => [] as unknown[], { merge: 'latest', max: 1 }) })],
    hooks: { close: ({ code }) => void closes.push(code) },
    options: { limits }
  });
  const { url, runtime } = server;
  const reader = await TestClient.connect(url);
  clients.push(reader);
  expect(await reader.subscribe('app/feed')).toMatchObject({ t: 'snapshot' });
  for (let i = 0; i < STALLED; i++) {
    const client = await TestClient.connect(url);
    clients.push(client);
    expect(await client.subscribe('app/feed')).toMatchObject({ t: 'snapshot' });
    // Stops reading: its TCP window fills, and then the server's buffer for it.
    client.socket.pause();
  }
  global.gc?.();
  const memory = () => {
    const { heapUsed, external } = process.memoryUsage();
    return heapUsed + external;
  };
  const before = memory();
  const run: Run = { peakBuffered: 0, peakGrowth: 0, closes };
  const payload = 'x'.repeat(EVENT_BYTES);
  for (let seq = 1; seq <= EVENTS; seq++) {
    runtime.publish('feed', 'created', { seq, payload });
    let buffered = 0;
    for (const conn of runtime.connections.values()) buffered += conn.buffered;
    run.peakBuffered = Math.max(run.peakBuffered, buffered);
    run.peakGrowth = Math.max(run.peakGrowth, memory() - before);
    // Lets the sockets write and the reader read, as a server between publishes would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await reader.next((m) => m.t === 'event' && m.topic === 'feed' && (m.data as { seq: number }).seq === EVENTS, 10_000);
  expect(reader.events('feed').map((e) => (e.data as { seq: number }).seq)).toEqual(Array.from({ length: EVENTS - 1 }, (_, i) => i + 1));
  await waitFor(() => runtime.connections.size === 1, 'every stalled client cut', PROMPTLY_MS);
  await waitFor(() => closes.length === STALLED, 'the close hooks', PROMPTLY_MS);
  return run;
}

describe('slow consumers', () => {
  it('cuts each client at once when it is maxBufferedBytes behind; the reader gets every event', { timeout: 60_000 }, async () => {
    const maxBufferedBytes = 256 * 1024;
    const run = await publishToStalledClients({ maxBufferedBytes });
    expect(run.closes).toEqual(Array(STALLED).fill(4008));
    // Each stalled client holds at most its budget and the frame that passed it.
    expect(run.peakBuffered).toBeLessThanOrEqual(STALLED * (maxBufferedBytes + 2 * EVENT_BYTES));
    console.log(`slow consumers: peak buffered ${(run.peakBuffered / 2 ** 20).toFixed(1)} MiB, peak heap+external growth ${(run.peakGrowth / 2 ** 20).toFixed(1)} MiB`);
    // Loose: the reader in this process keeps every event it decodes. Before the cut was at once, the stalled clients held 320 MiB.
    expect(run.peakGrowth).toBeLessThan(160 * 2 ** 20);
  });

  it('cuts the clients furthest behind when all together pass maxBufferedBytesTotal', { timeout: 60_000 }, async () => {
    const maxBufferedBytesTotal = 2 * 2 ** 20;
    const run = await publishToStalledClients({ maxBufferedBytes: 64 * 2 ** 20, maxBufferedBytesTotal });
    expect(run.closes).toEqual(Array(STALLED).fill(4008));
    // The budget, plus what may be written between two sums, plus one frame per client.
    expect(run.peakBuffered).toBeLessThanOrEqual(maxBufferedBytesTotal * 1.125 + STALLED * 2 * EVENT_BYTES);
    console.log(`total budget: peak buffered ${(run.peakBuffered / 2 ** 20).toFixed(1)} MiB, peak heap+external growth ${(run.peakGrowth / 2 ** 20).toFixed(1)} MiB`);
    expect(run.peakGrowth).toBeLessThan(160 * 2 ** 20);
  });
});
