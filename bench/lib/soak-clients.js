/**
 * Child process of the soak: `count` plain `ws` clients, each subscribed to the soak's three
 * streams (two shared topics and one of the rooms), some of them calling now and then. For every
 * event it checks the topic's sequence (a gap is an event lost, a repeat one duplicated) and
 * records the delivery latency from the publisher's timestamp (process.hrtime is the machine's
 * monotonic clock, the same in every process).
 *
 *   { t: 'connect', url, count, offset, rooms }   opens the clients
 *   { t: 'call', every }                          starts calls: each client calls every `every` ms
 *   { t: 'report' }                               stops calling, reports counts and latencies
 */
import { serveParent } from './child.js';
import { openSocket } from './open-socket.js';
import { encodeFrame, decodeFrame } from '../../dist/runtime/server/frames.js';

const clients = [];
const latencies = [];
const counts = { events: 0, lost: 0, duplicated: 0, calls: 0, callsFailed: 0, callsAnswered: 0, closed: 0 };
let callTimer;

const now = () => Number(process.hrtime.bigint()) / 1e6;

function follow(ws) {
  const last = new Map();
  const pending = new Map();
  let nextId = 1000;
  ws.on('message', (data) => {
    for (const message of decodeFrame(data.toString())) {
      if (message.t === 'event') {
        counts.events++;
        const previous = last.get(message.topic);
        if (previous !== undefined) {
          if (message.seq <= previous) counts.duplicated++;
          else counts.lost += message.seq - previous - 1;
        }
        last.set(message.topic, Math.max(previous ?? 0, message.seq));
        if (latencies.length < 2_000_000) latencies.push(now() - message.data.sentAt);
      } else if (message.t === 'result' || message.t === 'error') {
        if (!pending.delete(message.id)) continue;
        counts.callsAnswered++;
        if (message.t === 'error') counts.callsFailed++;
      }
    }
  });
  ws.on('close', () => counts.closed++);
  return {
    ws,
    call() {
      const id = nextId++;
      pending.set(id, true);
      counts.calls++;
      ws.send(encodeFrame([{ t: 'call', id, path: 'soak/echo', args: [id] }]));
    },
    /** Events received after its snapshot at each topic's position: the first one sets the base. */
    last
  };
}

async function connect({ url, count, offset, rooms }) {
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, k) =>
      openSocket(url, [{ path: 'soak/a' }, { path: 'soak/b' }, { path: 'soak/room', args: [`room${(offset + i + k) % rooms}`] }])
    );
    for (const ws of await Promise.all(batch)) clients.push(follow(ws));
  }
  return { connected: clients.length };
}

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

serveParent(async (message) => {
  if (message.t === 'connect') return connect(message);
  if (message.t === 'call') {
    // Each client calls once every `every` ms, spread over the interval.
    let i = 0;
    const perTick = Math.max(1, Math.round((clients.length * 10) / message.every));
    callTimer = setInterval(() => {
      for (let k = 0; k < perTick; k++) clients[i++ % clients.length].call();
    }, 10);
    return { calling: true };
  }
  if (message.t === 'report') {
    clearInterval(callTimer);
    // Let the answers in flight arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sorted = Float64Array.from(latencies).sort();
    const unanswered = counts.calls - counts.callsAnswered;
    for (const client of clients) client.ws.terminate();
    return { ...counts, unanswered, p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples: sorted.length };
  }
  throw new Error(`unknown request ${message.t}`);
});
