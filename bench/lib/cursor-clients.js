/**
 * Child process of the cursors suite: the subscribers of one room's cursors, as plain `ws`
 * clients, so the process under measurement only does the server's work.
 *
 *   { t: 'connect', url, count, args }  opens `count` sockets subscribed to `bench/board` with `args`
 *   { t: 'keep', count }                closes all but the first `count` of them
 *   { t: 'fresh', url, args }           opens one more and reports, on the monotonic clock every
 *                                       process shares, when it started, when its snapshot came
 *                                       and when its first cursor frame came; then closes it
 */
import { WebSocket } from 'ws';
import { decodeFrame, encodeFrame } from '../../dist/runtime/server/frames.js';
import { serveParent } from './child.js';
import { openSocket } from './open-socket.js';

const now = () => Number(process.hrtime.bigint()) / 1e6;
let sockets = [];

async function connect({ url, count, args }) {
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    const opened = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => openSocket(url, [{ path: 'bench/board', args }])));
    sockets.push(...opened);
  }
  return { connected: sockets.length };
}

function keep({ count }) {
  for (const ws of sockets.slice(count)) ws.terminate();
  sockets = sockets.slice(0, count);
  return { connected: sockets.length };
}

function fresh({ url, args }) {
  const started = now();
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    let snapshot;
    ws.once('error', reject);
    ws.on('message', (data) => {
      for (const message of decodeFrame(data.toString())) {
        if (message.t === 'hello') ws.send(encodeFrame([{ t: 'sub', id: 1, path: 'bench/board', args }]));
        else if (message.t === 'snapshot') snapshot = { at: now(), entries: message.data.length };
        else if (message.t === 'error') reject(new Error(`${message.code}: ${message.message}`));
        else if (message.t === 'event' && message.event === 'moves' && snapshot) {
          ws.terminate();
          resolve({ started, snapshot: snapshot.at, entries: snapshot.entries, frame: now(), carried: message.data.length });
          return;
        }
      }
    });
  });
}

serveParent(async (message) => {
  if (message.t === 'connect') return connect(message);
  if (message.t === 'keep') return keep(message);
  if (message.t === 'fresh') return fresh(message);
  throw new Error(`unknown request ${message.t}`);
});
