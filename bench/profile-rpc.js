/**
 * Where an RPC round trip's time goes, for bench/RESULTS.md:
 *
 *   npm run build && node bench/profile-rpc.js
 *
 * 1. Our JS alone, without sockets: the server pipeline (frame in, reply frame out) and the
 *    client runtime (call to resolved promise), in µs per call.
 * 2. A CPU profile (node:inspector) of sequential calls through a real socket, client and
 *    server in this process, against the same loop over a raw ws echo: top frames by self time.
 */
import inspector from 'node:inspector/promises';
import { WebSocket } from 'ws';
import { Runtime } from '../dist/runtime/server/runtime.js';
import { Connection } from '../dist/runtime/server/connection.js';
import { handleFrame } from '../dist/runtime/server/dispatch.js';
import { LiveSocket } from '../dist/runtime/client/socket.js';
import { live } from '../dist/runtime/server/index.js';
import { encodeFrame } from '../dist/runtime/server/frames.js';
import { startRawWs, startRealtime } from './lib/servers.js';

const CALLS = 50_000;
const payload = (n) => ({ n, text: 'ping' });
const perCall = (ms, calls) => ((ms / calls) * 1000).toFixed(2);

async function timed(run) {
  await run(CALLS / 5);
  const start = performance.now();
  await run(CALLS);
  return performance.now() - start;
}

/** The server's work for one call: decode, check, look up, run, encode, write. */
async function serverPipeline() {
  const runtime = new Runtime();
  runtime.load({ modules: [{ path: 'bench', file: 'bench', namespace: { echo: live((_ctx, v) => v) }, exports: [['echo', 'live']] }] });
  const socket = { readyState: 1, bufferedAmount: 0, send() {} };
  const conn = new Connection(socket, null, () => {}, runtime);
  const text = encodeFrame([{ t: 'call', id: 1, path: 'bench/echo', args: [payload(1)] }]);
  const ms = await timed(async (n) => {
    for (let i = 0; i < n; i++) {
      handleFrame(runtime, conn, text);
      await null; // the reply's flush
    }
  });
  runtime.close();
  return ms;
}

/** The client's work for one call: encode, write, read the answer, resolve. */
async function clientRuntime() {
  const answer = (id) => `[1,{"t":"result","id":${id},"data":{"n":1,"text":"ping"}}]`;
  globalThis.WebSocket = class {
    readyState = 0;
    constructor() {
      setTimeout(() => {
        this.readyState = 1;
        this.onmessage({ data: encodeFrame([{ t: 'hello', connection: 'c', maxFrame: 1 << 20 }]) });
      });
    }
    send(text) {
      const id = Number(/"id":(\d+)/.exec(text)[1]);
      Promise.resolve().then(() => this.onmessage({ data: answer(id) }));
    }
    addEventListener() {}
    close() {}
  };
  const client = new LiveSocket({ url: 'ws://bench', timeout: 30_000, baseDelay: 500, maxDelay: 15_000 });
  await client.call('bench/echo', [payload(0)]);
  const ms = await timed(async (n) => {
    for (let i = 0; i < n; i++) await client.call('bench/echo', [payload(i)]);
  });
  delete globalThis.WebSocket;
  return ms;
}

async function profile(name, run) {
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const byFrame = new Map();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^node:/, 'node:')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFrame.set(key, (byFrame.get(key) ?? 0) + (self.get(node.id) ?? 0));
  }
  console.log(`\n${name}: ${perCall(ms, CALLS)} µs per round trip; top frames by self time`);
  for (const [frame, t] of [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${((t / total) * 100).toFixed(1).padStart(5)}%  ${frame}`);
  }
}

console.log(`server pipeline, no socket: ${perCall(await serverPipeline(), CALLS)} µs per call`);
console.log(`client runtime, no socket:  ${perCall(await clientRuntime(), CALLS)} µs per call`);

globalThis.WebSocket = WebSocket;
const ours = await startRealtime({ bench: { echo: live((_ctx, value) => value) } });
const client = new LiveSocket({ url: ours.url, timeout: 30_000, baseDelay: 500, maxDelay: 15_000 });
await client.call('bench/echo', [payload(0)]);
for (let i = 0; i < CALLS / 5; i++) await client.call('bench/echo', [payload(i)]);
await profile('ours (LiveSocket → runtime, one process)', async () => {
  for (let i = 0; i < CALLS; i++) await client.call('bench/echo', [payload(i)]);
});
client.ws?.close();
await ours.close();

const raw = await startRawWs();
const ws = new WebSocket(raw.url, { perMessageDeflate: false });
await new Promise((resolve) => ws.once('open', resolve));
const waiting = [];
ws.on('message', () => waiting.shift()());
const frame = encodeFrame([{ t: 'call', id: 1, path: 'bench/echo', args: [payload(0)] }]);
const echo = () => new Promise((resolve) => (waiting.push(resolve), ws.send(frame)));
for (let i = 0; i < CALLS / 5; i++) await echo();
await profile('raw ws echo (same bytes, one process)', async () => {
  for (let i = 0; i < CALLS; i++) await echo();
});
ws.close();
await raw.close();
