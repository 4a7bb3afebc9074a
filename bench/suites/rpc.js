/**
 * RPC: round trip of sequential small calls (p50, p99) and throughput with 64 calls in flight.
 * Our runtime against a raw `ws` echo (the floor), Socket.IO 4 acknowledgements (websocket
 * transport only) and tRPC over its WebSocket link. Servers run here; clients in a child.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { Server as SocketIOServer } from 'socket.io';
import { initTRPC } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { live } from '../../dist/runtime/server/index.js';
import { startChild } from '../lib/child.js';
import { startRawWs, startRealtime } from '../lib/servers.js';
import { quantile, row } from '../lib/stats.js';
import { watchGcPauses } from '../lib/gc-pauses.js';

async function startSocketIO() {
  const server = http.createServer();
  const ioServer = new SocketIOServer(server, { transports: ['websocket'], serveClient: false });
  ioServer.on('connection', (socket) => {
    socket.on('echo', (value, ack) => ack(value));
    socket.on('echoBatch', (values, ack) => ack(values));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => ioServer.close(() => resolve()))
  };
}

async function startTRPC() {
  const t = initTRPC.create();
  const router = t.router({ echo: t.procedure.input((value) => value).query(({ input }) => input) });
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  const handler = applyWSSHandler({ wss, router, createContext: () => ({}) });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${server.address().port}`,
    async close() {
      handler.broadcastReconnectNotification();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    }
  };
}

const collections = (n) => `${n} garbage collection${n === 1 ? '' : 's'}`;

export default async function rpc({ quick }) {
  // Sequential calls take turns call by call; parallel ones `block` calls at a time (see rpc-client.js).
  // 100 000 sequential calls per stack: p99 is then the 1000th slowest, which one burst of a
  // busy machine cannot decide on its own (at 20 000 the same code swung 1.06–1.52×).
  const sequential = quick ? { warmup: 50, count: 200 } : { warmup: 3000, count: 100_000 };
  const parallel = quick ? { warmup: 200, count: 1000, block: 500, inFlight: 64 } : { warmup: 5000, count: 60_000, block: 2000, inFlight: 64 };

  const ours = await startRealtime({ bench: { echo: live((_ctx, value) => value) } });
  const raw = await startRawWs();
  const socketio = await startSocketIO();
  const trpc = await startTRPC();
  const clients = startChild('./rpc-client.js');
  try {
    const serverGc = watchGcPauses();
    const { samples, gc: clientGc } = await clients.request({ t: 'latency', targets: { ours: ours.url, protocol: ours.url, raw: raw.url }, ...sequential });
    const gc = { client: clientGc, server: await serverGc.stop() };
    const rate = await clients.request({
      t: 'throughput',
      targets: { ours: ours.url, raw: raw.url, 'raw-batched': raw.url, socketio: socketio.url, 'socketio-batched': socketio.url, trpc: trpc.url },
      ...parallel
    });
    const us = (ms) => ms * 1000;
    const p50 = { ours: us(quantile(samples.ours, 0.5)), protocol: us(quantile(samples.protocol, 0.5)), raw: us(quantile(samples.raw, 0.5)) };
    const sequentialNote =
      `the browser runtime's LiveSocket over ws in a child process, ${(p50.ours - p50.raw).toFixed(1)} µs over the raw echo; ` +
      `${sequential.count} sequential calls of { n, text }, taking turns with the reference call by call`;
    return [
      row({ name: 'RPC round trip p50', value: p50.ours, unit: 'µs', reference: 'raw ws echo p50', referenceValue: p50.raw, target: '<= 1.25', note: sequentialNote }),
      row({ name: 'RPC round trip p90', value: us(quantile(samples.ours, 0.9)), unit: 'µs', reference: 'raw ws echo p90', referenceValue: us(quantile(samples.raw, 0.9)), note: `information: the tail every call shares; garbage collections, which p99 includes, touch about 1 call in ${Math.round((3 * sequential.count) / Math.max(1, gc.client.count + gc.server.count))}` }),
      row({
        name: 'RPC round trip p99',
        value: us(quantile(samples.ours, 0.99)),
        unit: 'µs',
        reference: 'raw ws echo p99',
        referenceValue: us(quantile(samples.raw, 0.99)),
        target: '<= 1.25',
        note:
          `${collections(gc.client.count)} in the client process (${gc.client.ms.toFixed(0)} ms) and ${gc.server.count} in the server's ` +
          `(${gc.server.ms.toFixed(0)} ms) fell within the ${3 * sequential.count} calls of all three stacks; each delays the call it lands on`
      }),
      row({ name: 'RPC round trip p50, protocol client', value: p50.protocol, unit: 'µs', reference: 'raw ws echo p50', referenceValue: p50.raw, target: '<= 1.25', note: `our server, called by a plain ws client that encodes calls and decodes answers with our protocol (no LiveSocket), ${(p50.protocol - p50.raw).toFixed(1)} µs over the raw echo` }),
      row({
        name: 'RPC throughput, 64 in flight',
        value: rate.ours,
        unit: 'calls/s',
        reference: 'raw ws echo, a frame per call',
        referenceValue: rate.raw,
        target: '>= 0.75',
        note: `${parallel.count} calls per stack, alternating ${parallel.block} at a time; our client sends the calls of one tick in one frame and the server answers with one, so this ratio measures batching as well as speed`
      }),
      row({
        name: 'RPC throughput vs a batching floor',
        value: rate.ours,
        unit: 'calls/s',
        reference: 'raw ws echo, a frame per tick',
        referenceValue: rate['raw-batched'],
        note: 'information: the same batching on both sides (one frame per tick each way, the echo decoding nothing), so this ratio is the cost of the runtime itself: decoding, dispatch, the handler, encoding'
      }),
      row({ name: 'RPC throughput vs Socket.IO', value: rate.ours, unit: 'calls/s', reference: 'Socket.IO 4 acks (websocket), an event per call', referenceValue: rate.socketio, target: '>= 1.5' }),
      row({
        name: 'RPC throughput vs Socket.IO batched',
        value: rate.ours,
        unit: 'calls/s',
        reference: 'Socket.IO 4, the calls of a tick in one acked event',
        referenceValue: rate['socketio-batched'],
        note: 'information: Socket.IO batched by hand the way our client batches (one acked event carrying the calls of a tick, answered with their values: no per-call routing, errors or types), so the ratio compares the stacks and not the batching'
      }),
      row({ name: 'RPC throughput vs tRPC', value: rate.ours, unit: 'calls/s', reference: 'tRPC 11 wsLink', referenceValue: rate.trpc, target: '>= 1.5' })
    ];
  } finally {
    await clients.close();
    await Promise.all([ours.close(), raw.close(), socketio.close(), trpc.close()]);
  }
}
