/**
 * A server that stops gracefully closes with 1012 after answering what it ran. The client then
 * reconnects (to the next server on the same address: a restarted or another instance), sends
 * again the calls that were not answered, which the old server never ran, so each runs exactly
 * once, and resumes its stores.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createStream } from '../../runtime/client/stream.js';
import { live } from '../../runtime/server/index.js';
import { Runtime } from '../../runtime/server/runtime.js';
import { clientSocket, until, useClientTests } from '../helpers/client.js';
import { deferred, module } from '../helpers/server.js';

const servers: { runtime: Runtime; server: http.Server }[] = [];
const cleanups = useClientTests(async () => {
  for (const { runtime, server } of servers.splice(0)) {
    runtime.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** One instance of the app: its own runtime and counters, on `port` (0 for any). */
async function instance(port: number, name: string) {
  const ran: string[] = [];
  const held = deferred<string>();
  const slow = live(async () => {
    ran.push('slow');
    return held.promise;
  });
  const record = live((_ctx, what: string) => {
    ran.push(what);
    return `${what} on ${name}`;
  });
  const feed = live.stream('feed', () => name);
  const runtime = new Runtime();
  runtime.load({ modules: [module('app', { slow, record, feed })], options: { dev: true } });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  runtime.attach(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  servers.push({ runtime, server });
  return { runtime, server, ran, held, port: (server.address() as AddressInfo).port };
}

describe('after a graceful shutdown (1012)', () => {
  it('sends again the calls the stopping server did not run, and each runs once', async () => {
    const first = await instance(0, 'first');
    const socket = clientSocket(`ws://127.0.0.1:${first.port}/__realtime`);
    const feed = createStream<string>(() => socket, 'app/feed', []);
    cleanups.push(feed.subscribe(() => {}));
    await until(feed, (value) => value === 'first', 'the first snapshot');

    const slow = socket.call('app/slow', []);
    while (first.ran.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = first.runtime.shutdown(5_000);
    const late = socket.call('app/record', ['late']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    first.held.resolve('slow done');
    await stopped;
    first.server.close();

    const second = await instance(first.port, 'second');
    expect(await slow).toBe('slow done');
    expect(await late).toBe('late on second');
    expect(first.ran).toEqual(['slow']);
    expect(second.ran).toEqual(['late']);
    await until(feed, (value) => value === 'second', 'the new instance’s snapshot');
  });

  it('still fails with DISCONNECTED a call cut by the deadline, since it may have run', async () => {
    const first = await instance(0, 'first');
    const socket = clientSocket(`ws://127.0.0.1:${first.port}/__realtime`);
    const slow = socket.call('app/slow', []);
    while (first.ran.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const failed = expect(slow).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await first.runtime.shutdown(100);
    await failed;
  });
});
