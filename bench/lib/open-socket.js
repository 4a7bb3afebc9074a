/**
 * A plain `ws` client for the benchmarks. Against our server it sends `subscriptions` (sub
 * messages without ids) once the server says hello, and resolves when each has its snapshot;
 * with none, it resolves on open (the raw reference servers). Listeners are attached before
 * the handshake ends, since hello may arrive with it.
 */
import { WebSocket } from 'ws';
import { decodeFrame, encodeFrame } from '../../dist/runtime/server/frames.js';

export function openSocket(url, subscriptions = []) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    if (subscriptions.length === 0) {
      ws.once('open', () => resolve(ws));
      return;
    }
    let snapshots = 0;
    ws.on('message', function setup(data) {
      for (const message of decodeFrame(data.toString())) {
        if (message.t === 'hello') {
          ws.send(encodeFrame(subscriptions.map(({ path, args = [] }, i) => ({ t: 'sub', id: i + 1, path, args }))));
        } else if (message.t === 'snapshot' && ++snapshots === subscriptions.length) {
          ws.off('message', setup);
          resolve(ws);
        } else if (message.t === 'error') reject(new Error(`${message.code}: ${message.message}`));
      }
    });
  });
}

/**
 * How many events in one received frame carry `marker`: the server sends the events of one
 * tick in one frame, so a frame may hold several.
 */
export function markerCount(data, marker) {
  let count = 0;
  for (let at = data.indexOf(marker); at !== -1; at = data.indexOf(marker, at + marker.length)) count++;
  return count;
}
