/**
 * Child process of the cluster suite: many clients, counting arrivals by a marker in the event.
 * Our clients are plain `ws` sockets subscribed to the feed; Socket.IO's are socket.io-client
 * sockets (WebSocket transport only) listening to the same event name.
 *
 *   { t: 'connect', target, kind: 'ours' | 'socket.io', urls, count }  opens `count` clients,
 *                                                    spread evenly over `urls` (the instances)
 *   { t: 'arm', target, marker, events }              next: report when every client of
 *                                                    `target` got `events` frames with `marker`
 */
import { io } from 'socket.io-client';
import { serveParent } from './child.js';
import { markerCount, openSocket } from './open-socket.js';

const groups = new Map();

function arrived(group, count) {
  const armed = group.armed;
  const events = armed ? count(armed.marker) : 0;
  if (events === 0) return;
  armed.received += events;
  if (armed.received >= armed.expected) {
    group.armed = undefined;
    armed.resolve({ last: Number(process.hrtime.bigint()) / 1e6 });
  }
}

async function connect({ target, kind, urls, count }) {
  const group = { clients: [], armed: undefined };
  groups.set(target, group);
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, (_, k) => {
        const url = urls[(i + k) % urls.length];
        if (kind === 'ours') return openSocket(url, [{ path: 'bench/feed' }]);
        return new Promise((resolve, reject) => {
          const socket = io(url, { transports: ['websocket'], reconnection: false });
          socket.once('connect', () => resolve(socket));
          socket.once('connect_error', reject);
        });
      })
    );
    group.clients.push(...opened);
  }
  for (const client of group.clients) {
    if (kind === 'ours') client.on('message', (data) => arrived(group, (marker) => markerCount(data, marker.bytes)));
    else client.on('feed', (message) => arrived(group, (marker) => (message.marker === marker.text ? 1 : 0)));
  }
  return { connected: group.clients.length };
}

serveParent(async (message) => {
  if (message.t === 'connect') return connect(message);
  if (message.t === 'arm') {
    const group = groups.get(message.target);
    const done = new Promise((resolve) => {
      const marker = { text: message.marker, bytes: Buffer.from(message.marker) };
      group.armed = { marker, expected: group.clients.length * message.events, received: 0, resolve };
    });
    done.then((report) => process.send(report));
    return { armed: true };
  }
  throw new Error(`unknown request ${message.t}`);
});
