/**
 * Server memory per idle connection holding 3 subscriptions (two static streams and one
 * dynamic one), against a raw `ws` connection that holds nothing. Each server runs alone in
 * a child process (heap and RSS after forced GC, before and after the connections open);
 * the clients run here.
 */
import { startChild } from '../lib/child.js';
import { openSocket } from '../lib/open-socket.js';
import { row } from '../lib/stats.js';

/** Our connections hold 3 subscriptions: two static streams and one of 50 dynamic rooms. */
function open(url, ours, index) {
  if (!ours) return openSocket(url);
  return openSocket(url, [{ path: 'bench/a' }, { path: 'bench/b' }, { path: 'bench/room', args: [`room${index % 50}`] }]);
}

async function perConnection(target, count) {
  const server = startChild('./memory-server.js', { execArgv: ['--expose-gc'] });
  const sockets = [];
  try {
    const { url } = await server.request({ t: 'start', target });
    // One connection first, so lazily created structures are not counted per connection.
    sockets.push(await open(url, target === 'ours', 0));
    const before = await server.request({ t: 'measure' });
    for (let i = 1; i <= count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count + 1 - i) }, (_, k) => open(url, target === 'ours', i + k));
      sockets.push(...(await Promise.all(batch)));
    }
    const after = await server.request({ t: 'measure' });
    return { heap: (after.heap - before.heap) / count, rss: (after.rss - before.rss) / count };
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.close();
  }
}

export default async function memory({ quick }) {
  const count = quick ? 50 : 2000;
  const raw = await perConnection('raw', count);
  const ours = await perConnection('ours', count);
  const kb = (bytes) => bytes / 1024;
  return [
    row({ name: 'Memory per idle connection, 3 subscriptions (heap)', value: kb(ours.heap), unit: 'KiB', reference: 'raw ws connection', referenceValue: kb(raw.heap), note: `${count} connections; heap = V8 heap used + external memory after GC` }),
    row({ name: 'Memory per idle connection, 3 subscriptions (RSS)', value: kb(ours.rss), unit: 'KiB', reference: 'raw ws connection', referenceValue: kb(raw.rss), note: `${count} connections; process RSS after GC` })
  ];
}
