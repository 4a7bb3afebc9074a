/**
 * Servers the suites measure, each on its own HTTP server on 127.0.0.1 (ephemeral port):
 * our runtime (as the production server runs it: `Runtime.attach`) and the raw `ws` reference.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { Runtime } from '../../dist/runtime/server/runtime.js';
import { handlerKind } from '../../dist/runtime/server/handler-tag.js';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function closeHttp(server) {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** `{ path: { exportName: handler } }` → the registrations the generated registry would pass. */
function registrations(modules) {
  return Object.entries(modules).map(([path, namespace]) => ({
    path,
    file: `src/live/${path}.ts`,
    namespace,
    exports: Object.entries(namespace)
      .filter(([, value]) => handlerKind(value))
      .map(([name, value]) => [name, handlerKind(value)])
  }));
}

/** Our runtime serving `modules`, in production mode (no dev stacks, no telemetry listener). */
export async function startRealtime(modules) {
  const runtime = new Runtime();
  // Every benchmark client connects from 127.0.0.1: the per-address cap, meant for a public
  // server's clients, would refuse the thousands the suites open.
  runtime.load({ modules: registrations(modules), options: { dev: false, limits: { maxConnectionsPerAddress: 1_000_000 } } });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  runtime.attach(server);
  const port = await listen(server);
  return {
    runtime,
    url: `ws://127.0.0.1:${port}/__realtime`,
    async close() {
      runtime.close();
      await closeHttp(server);
    }
  };
}

/**
 * The reference: a plain `ws` server. `onMessage(ws, data)` handles each text frame; the default
 * echoes it back unchanged.
 */
export async function startRawWs(onMessage = (ws, data) => ws.send(data, { binary: false })) {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const clients = new Set();
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('message', (data) => onMessage(ws, data));
    ws.on('close', () => clients.delete(ws));
  });
  const port = await listen(server);
  return {
    clients,
    url: `ws://127.0.0.1:${port}/`,
    async close() {
      for (const ws of clients) ws.terminate();
      wss.close();
      await closeHttp(server);
    }
  };
}
