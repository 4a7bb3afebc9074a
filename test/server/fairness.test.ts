/**
 * Fairness: a client flooding the server with frames gets its share of each turn of the event
 * loop, not all of it, so another client's answers stay prompt. And guests' rate limits can
 * follow their address, so reconnecting does not reset them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/index.js';
import { module, sleep, startServer, TestClient, type TestServer } from '../helpers/server.js';

/**
 * The flooders, in a process of their own as real clients would be: sockets that send frames
 * of 128 pings as fast as the socket takes them, reading the answers without decoding them.
 */
const FLOODER = `
const { WebSocket } = require('ws');
const [url, count] = process.argv.slice(1);
const pings = Array.from({ length: 128 }, (_, i) => '{"t":"ping","id":' + i + '}').join(',');
const frame = Buffer.from('[1,' + pings + ']');
let open = 0;
for (let i = 0; i < Number(count); i++) {
  const socket = new WebSocket(url);
  socket.on('open', () => {
    if (++open === Number(count)) console.log('flooding');
    const flood = () => {
      while (socket.readyState === 1 && socket.bufferedAmount < 1 << 20) socket.send(frame);
      if (socket.readyState === 1) setImmediate(flood);
    };
    flood();
  });
  socket.on('error', () => {});
}
`;

let server: TestServer | undefined;
let flooders: ChildProcess | undefined;
afterEach(async () => {
  flooders?.kill();
  flooders = undefined;
  await server?.close();
});

describe('a client flooding the server', () => {
  it("does not hold up another client's answers", { timeout: 60_000 }, async () => {
    server = await startServer({ modules: [module('app', { ok: live(() => 'ok') })], options: { dev: false } });
    const bystander = await TestClient.connect(server.url);
    flooders = spawn(process.execPath, ['-e', FLOODER, server.url, '4'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => flooders!.stdout!.once('data', resolve));
    await sleep(200);
    const waits: number[] = [];
    for (let i = 0; i < 30; i++) {
      const start = performance.now();
      expect(await bystander.call('app/ok')).toMatchObject({ t: 'result', data: 'ok' });
      waits.push(performance.now() - start);
      await sleep(10);
    }
    waits.sort((a, b) => a - b);
    const p50 = waits[waits.length >> 1]!;
    console.log(`bystander under a flood: p50 ${p50.toFixed(1)} ms, max ${waits[waits.length - 1]!.toFixed(1)} ms`);
    // Generous: an unfair server answered this client every few seconds.
    expect(p50).toBeLessThan(500);
    bystander.close();
  });
});
