/**
 * Child process of the fan-out suite: many plain `ws` clients. The same client code counts
 * arrivals from our server and from the raw reference, so only the servers differ.
 *
 *   { t: 'connect', target, url, count, subscribe }  opens `count` sockets (subscribing them
 *                                                     to `subscribe` on our server)
 *   { t: 'arm', target, marker, events }             next: report when every socket of `target`
 *                                                     got `events` frames containing `marker`
 * The report carries the monotonic time the last one arrived, comparable with the parent's.
 */
import { serveParent } from './child.js';
import { markerCount, openSocket } from './open-socket.js';

const groups = new Map();

async function connect({ target, url, count, subscribe }) {
  const group = { sockets: [], armed: undefined };
  groups.set(target, group);
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    const sockets = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => openSocket(url, subscribe ? [{ path: subscribe }] : [])));
    group.sockets.push(...sockets);
  }
  for (const ws of group.sockets) {
    ws.on('message', (data) => {
      const armed = group.armed;
      const events = armed ? markerCount(data, armed.marker) : 0;
      if (events === 0) return;
      armed.received += events;
      if (armed.received >= armed.expected) {
        group.armed = undefined;
        armed.resolve({ last: Number(process.hrtime.bigint()) / 1e6 });
      }
    });
  }
  return { connected: group.sockets.length };
}

serveParent(async (message) => {
  if (message.t === 'connect') return connect(message);
  if (message.t === 'arm') {
    const group = groups.get(message.target);
    // Reply at once; the arrival report follows as a separate message.
    const arrived = new Promise((resolve) => {
      group.armed = { marker: Buffer.from(message.marker), expected: group.sockets.length * message.events, received: 0, resolve };
    });
    arrived.then((report) => process.send(report));
    return { armed: true };
  }
  throw new Error(`unknown request ${message.t}`);
});
