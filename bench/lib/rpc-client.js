/**
 * Child process of the rpc suite: the client side of each RPC stack, so the server process
 * does only the server's work. Answers `{ t: 'latency' | 'throughput', target, url, ... }`.
 */
import { WebSocket } from 'ws';
import { io } from 'socket.io-client';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { LiveSocket } from '../../dist/runtime/client/socket.js';
import { decodeFrame, encodeFrame } from '../../dist/runtime/server/frames.js';
import { serveParent } from './child.js';
import { watchGcPauses } from './gc-pauses.js';

// The browser runtime, unchanged, over Node's `ws` (same WebSocket interface).
globalThis.WebSocket = WebSocket;

const payload = (n) => ({ n, text: 'ping' });

/**
 * A call function that batches as our client does: the calls of one tick are handed to `send`
 * together, as `{ value, resolve }` entries (`value(n)`, when given, is what the call carries),
 * once the tick ends.
 */
function perTick(send, value) {
  let tick;
  return (n) =>
    new Promise((resolve) => {
      if (!tick) {
        tick = [];
        Promise.resolve().then(() => {
          const batch = tick;
          tick = undefined;
          send(batch);
        });
      }
      tick.push({ value: value?.(n), resolve });
    });
}

/** A connected client of one stack: `call(n)` resolves with the echoed payload. */
async function connect(target, url) {
  // `ours:<variant>` is our runtime in another setup (the devtools suite compares three).
  switch (target.split(':')[0]) {
    case 'ours': {
      const socket = new LiveSocket({ url, timeout: 30_000, baseDelay: 500, maxDelay: 15_000 });
      await socket.call('bench/echo', [payload(0)]);
      return { call: (n) => socket.call('bench/echo', [payload(n)]), close: () => socket.ws?.close() };
    }
    case 'protocol': {
      // A plain ws client speaking our protocol: encodes each call, decodes each answer.
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const waiting = new Map();
      let id = 0;
      const hello = new Promise((resolve, reject) => (ws.once('message', resolve), ws.once('error', reject)));
      await hello;
      ws.on('message', (data) => {
        for (const message of decodeFrame(data.toString())) {
          const resolve = waiting.get(message.id);
          waiting.delete(message.id);
          resolve?.(message.data);
        }
      });
      return {
        call: (n) =>
          new Promise((resolve) => {
            waiting.set(++id, resolve);
            ws.send(encodeFrame([{ t: 'call', id, path: 'bench/echo', args: [payload(n)] }]));
          }),
        close: () => ws.close()
      };
    }
    case 'raw': {
      // The floor: the same bytes our client would put on the wire, echoed, no decoding.
      const ws = new WebSocket(url, { perMessageDeflate: false });
      await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
      const frame = encodeFrame([{ t: 'call', id: 1, path: 'bench/echo', args: [payload(0)] }]);
      const waiting = [];
      ws.on('message', () => waiting.shift()());
      return {
        call: () => new Promise((resolve) => (waiting.push(resolve), ws.send(frame))),
        close: () => ws.close()
      };
    }
    case 'raw-batched': {
      // The floor batched as our client batches: the calls of one tick leave in one frame (the
      // same bytes our client would send), the echo answers the frame with one frame.
      const ws = new WebSocket(url, { perMessageDeflate: false });
      await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
      const frames = new Map();
      const frameOf = (count) => {
        let frame = frames.get(count);
        if (!frame) {
          const calls = Array.from({ length: count }, (_, i) => ({ t: 'call', id: i + 1, path: 'bench/echo', args: [payload(i)] }));
          frames.set(count, (frame = encodeFrame(calls)));
        }
        return frame;
      };
      const waiting = [];
      ws.on('message', () => {
        for (const resolve of waiting.shift()) resolve();
      });
      const call = perTick((batch) => {
        waiting.push(batch.map((entry) => entry.resolve));
        ws.send(frameOf(batch.length));
      });
      return { call, close: () => ws.close() };
    }
    case 'socketio-batched': {
      // Socket.IO batched the same way: the calls of one tick in one event, acknowledged with one.
      const socket = io(url, { transports: ['websocket'] });
      await new Promise((resolve, reject) => (socket.once('connect', resolve), socket.once('connect_error', reject)));
      const call = perTick((batch) =>
        socket.emitWithAck('echoBatch', batch.map((entry) => entry.value)).then((values) => values.forEach((value, i) => batch[i].resolve(value))), payload
      );
      return { call, close: () => socket.close() };
    }
    case 'socketio': {
      const socket = io(url, { transports: ['websocket'] });
      await new Promise((resolve, reject) => (socket.once('connect', resolve), socket.once('connect_error', reject)));
      return { call: (n) => socket.emitWithAck('echo', payload(n)), close: () => socket.close() };
    }
    case 'trpc': {
      const wsClient = createWSClient({ url, WebSocket });
      const client = createTRPCClient({ links: [wsLink({ client: wsClient })] });
      await client.echo.query(payload(0));
      return { call: (n) => client.echo.query(payload(n)), close: () => wsClient.close() };
    }
    default:
      throw new Error(`unknown target ${target}`);
  }
}

/**
 * Sequential calls, the stacks taking turns call by call (the first of each turn rotating), so
 * a busy moment of a shared machine (they come in bursts of several milliseconds, tens of
 * calls) falls on every stack alike: each call's round trip in ms, per stack, and the client
 * process's garbage-collection pauses meanwhile.
 */
async function latency(clients, { warmup, count }) {
  const stacks = [...clients];
  // Preallocated, so the harness's own arrays do not grow (and get collected) mid-measurement.
  const samples = stacks.map(() => new Float64Array(count));
  for (const [, client] of stacks) for (let i = 0; i < warmup; i++) await client.call(i);
  const gc = watchGcPauses();
  for (let i = 0; i < count; i++) {
    for (let turn = 0; turn < stacks.length; turn++) {
      const index = (i + turn) % stacks.length;
      const start = performance.now();
      await stacks[index][1].call(i);
      samples[index][i] = performance.now() - start;
    }
  }
  return {
    samples: Object.fromEntries(stacks.map(([target], index) => [target, Array.from(samples[index])])),
    gc: await gc.stop()
  };
}

/** `total` calls with `inFlight` outstanding at all times. */
function burst(client, total, inFlight) {
  return new Promise((resolve, reject) => {
    let started = 0;
    let finished = 0;
    const next = () => {
      if (started >= total) return;
      started++;
      client.call(started).then(() => {
        if (++finished === total) resolve();
        else next();
      }, reject);
    };
    for (let i = 0; i < Math.min(inFlight, total); i++) next();
  });
}

/** Calls per second with `inFlight` outstanding, each stack in turn for `block` calls at a time. */
async function throughput(clients, { warmup, count, block, inFlight }) {
  const elapsed = {};
  for (const [target, client] of clients) {
    elapsed[target] = 0;
    await burst(client, warmup, inFlight);
  }
  for (let done = 0; done < count; done += block) {
    for (const [target, client] of clients) {
      const start = performance.now();
      await burst(client, block, inFlight);
      elapsed[target] += performance.now() - start;
    }
  }
  return Object.fromEntries(Object.entries(elapsed).map(([target, ms]) => [target, (count / ms) * 1000]));
}

serveParent(async (message) => {
  const clients = new Map();
  try {
    for (const [target, url] of Object.entries(message.targets)) clients.set(target, await connect(target, url));
    if (message.t === 'latency') return await latency(clients, message);
    return await throughput(clients, message);
  } finally {
    for (const client of clients.values()) client.close();
  }
});
