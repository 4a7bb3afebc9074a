/**
 * Cursors for a crowd: 1 000 movers on one room, each moving 20 times a second, and the room's
 * subscribers (plain `ws` clients in a child process). The movers are simulated in this process
 * (a member each, sharing its cursor through the room as a socket's calls would), so the
 * figures measure what coalescing is about, the cursors' fan-out, not RPC throughput.
 *
 * Rows:
 * - a newly opened page's time until it has its init (every cursor) and its first cursor frame,
 *   against the 2 s goal;
 * - the server CPU each extra subscriber costs (CPU per second with 100 subscribers minus with
 *   10, over 90) with 1 000 movers, against the same with 100 movers: near 1 when the cost grows
 *   with subscribers only, near 10 if every move went to every subscriber.
 */
import { live } from '../../dist/runtime/server/index.js';
import { startChild } from '../lib/child.js';
import { startRealtime } from '../lib/servers.js';
import { median, row } from '../lib/stats.js';

const TICK = 16;
const MOVES_PER_SECOND = 20;

export default async function cursors({ quick }) {
  const windows = quick ? 1 : 5;
  const windowMs = quick ? 300 : 1000;
  const fresh = quick ? 1 : 5;
  const board = live.room({ init: () => [], cursors: { tick: TICK } });
  const ours = await startRealtime({ bench: { board } });
  const child = startChild('./cursor-clients.js');
  const publish = (topic, event, data) => ours.runtime.publish(topic, event, data);

  /** `count` members sharing their cursor, each moving every 1/20 s; returns their stop function. */
  function crowd(count) {
    const members = Array.from({ length: count }, (_, i) => {
      const ctx = { user: null, connectionId: `mover${i}`, connection: `mover${i}`, publish };
      const leave = board.join({ path: 'bench/board', topic: 'bench', ctx, args: ['r1', 'share-cursor'], id: i + 1 });
      return { ctx, leave };
    });
    // A fifth of the crowd moves every 10 ms: each member 20 times a second, spread over time as people are.
    const SLICES = 5;
    let slice = 0;
    let round = 0;
    const timer = setInterval(() => {
      slice = (slice + 1) % SLICES;
      if (slice === 0) round++;
      for (let i = slice; i < members.length; i += SLICES) void board.call(members[i].ctx, ['r1', '~cursor', { x: (i * 7 + round) % 1000, y: (i * 13 + round) % 800 }]);
    }, 1000 / MOVES_PER_SECOND / SLICES);
    return () => {
      clearInterval(timer);
      for (const member of members) member.leave?.();
    };
  }

  /** Server CPU in ms per second, the median over a few windows. */
  async function cpu() {
    const samples = [];
    for (let i = 0; i < windows; i++) {
      const before = process.cpuUsage();
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, windowMs));
      const used = process.cpuUsage(before);
      samples.push((used.user + used.system) / 1000 / ((performance.now() - started) / 1000));
    }
    return median(samples);
  }

  /** CPU per extra subscriber (10 -> 100) with `movers` moving. */
  async function perSubscriber(movers) {
    const stop = crowd(movers);
    try {
      await child.request({ t: 'connect', url: ours.url, count: 100, args: ['r1', 'cursors'] });
      await cpu(); // settle
      const many = await cpu();
      await child.request({ t: 'keep', count: 10 });
      await cpu();
      const few = await cpu();
      await child.request({ t: 'keep', count: 0 });
      return { many, few, each: Math.max(0.001, (many - few) / 90) };
    } finally {
      stop();
    }
  }

  try {
    const small = await perSubscriber(100);
    const large = await perSubscriber(1000);
    // A page opening on a busy board: 1 000 movers and 100 other subscribers.
    const stop = crowd(1000);
    const times = [];
    let entries = 0;
    let carried = 0;
    try {
      await child.request({ t: 'connect', url: ours.url, count: 100, args: ['r1', 'cursors'] });
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (let i = 0; i < fresh; i++) {
        const report = await child.request({ t: 'fresh', url: ours.url, args: ['r1', 'cursors'] });
        times.push(report.frame - report.started);
        entries = report.entries;
        carried = report.carried;
      }
      await child.request({ t: 'keep', count: 0 });
    } finally {
      stop();
    }
    return [
      row({
        name: 'Cursors: a new page on a board with 1 000 movers, until init and first frame',
        value: median(times),
        unit: 'ms',
        reference: '2 s goal',
        referenceValue: 2000,
        target: '<= 1',
        note: `median of ${fresh}; 100 other subscribers, each mover at ${MOVES_PER_SECOND}/s, tick ${TICK} ms; its init held ${entries} cursors, its first frame ${carried}`
      }),
      row({
        name: 'Cursors: server CPU per extra subscriber, 1 000 movers',
        value: large.each,
        unit: 'ms CPU/s',
        reference: 'the same with 100 movers',
        referenceValue: small.each,
        target: '<= 3',
        note: `(CPU with 100 subscribers - with 10) / 90: 1 000 movers ${large.many.toFixed(0)} - ${large.few.toFixed(0)} ms/s, 100 movers ${small.many.toFixed(0)} - ${small.few.toFixed(0)} ms/s; one move per subscriber would make it ~10x`
      })
    ];
  } finally {
    await child.close();
    await ours.close();
  }
}
