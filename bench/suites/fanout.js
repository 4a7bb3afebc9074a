/**
 * Fan-out: one publish to many subscribed clients, time until the last one has it, and
 * sustained publishes per second; against a raw `ws` loop sending the same bytes to as many
 * sockets. Clients live in a child process, so this process does only the server's work; both
 * servers run here, connected at the same time, and trials alternate between them.
 */
import { live } from '../../dist/runtime/server/index.js';
import { encodeMessage } from '../../dist/runtime/server/frames.js';
import { startChild } from '../lib/child.js';
import { startRawWs, startRealtime } from '../lib/servers.js';
import { median, nowMs, row } from '../lib/stats.js';

export default async function fanout({ quick }) {
  const clients = quick ? 50 : 1000;
  const trials = quick ? 3 : 30;
  const sustained = quick ? { rounds: 1, events: 10 } : { rounds: 9, events: 100 };

  const ours = await startRealtime({ bench: { feed: live.stream('feed', () => null, { merge: 'set' }) } });
  const raw = await startRawWs(() => {});
  const child = startChild('./fanout-clients.js');
  let markers = 0;
  const message = (marker, id) => ({ id, text: 'hello everyone', marker });

  /** Publishes `events` times; resolves with ms from the first publish until the last client has the last one. */
  async function measure(target, events) {
    const marker = `m${++markers}x`;
    await child.request({ t: 'arm', target, marker, events });
    const report = child.next();
    let start;
    if (target === 'ours') {
      start = nowMs();
      for (let i = 0; i < events; i++) ours.runtime.publish('feed', 'set', message(marker, i));
    } else {
      // The same bytes our topics put on the wire, encoded up front: the floor for this loop.
      const frames = [];
      for (let i = 0; i < events; i++) {
        frames.push(Buffer.from(encodeMessage({ t: 'event', topic: 'feed', seq: i + 1, event: 'set', data: message(marker, i) })));
      }
      start = nowMs();
      for (const frame of frames) for (const ws of raw.clients) ws.send(frame, { binary: false });
    }
    return (await report).last - start;
  }

  try {
    await child.request({ t: 'connect', target: 'ours', url: ours.url, count: clients, subscribe: 'bench/feed' });
    await child.request({ t: 'connect', target: 'raw', url: raw.url, count: clients });
    const single = { ours: [], raw: [] };
    for (let i = 0; i < 3; i++) for (const target of ['ours', 'raw']) await measure(target, 1); // warm-up
    // Which server goes first alternates too, so neither always follows the other's burst.
    const order = (i) => (i % 2 === 0 ? ['ours', 'raw'] : ['raw', 'ours']);
    for (let i = 0; i < trials; i++) for (const target of order(i)) single[target].push(await measure(target, 1));
    const rate = { ours: [], raw: [] };
    for (let i = 0; i < sustained.rounds; i++) {
      for (const target of order(i)) rate[target].push((sustained.events / (await measure(target, sustained.events))) * 1000);
    }
    return [
      row({
        name: `Fan-out, 1 publish to ${clients} clients`,
        value: median(single.ours),
        unit: 'ms',
        reference: 'raw ws send loop',
        referenceValue: median(single.raw),
        target: '<= 1.3',
        note: `median of ${trials} trials; time from publish until the last client has the frame`
      }),
      row({
        name: `Fan-out, sustained to ${clients} clients`,
        value: median(rate.ours),
        unit: 'publishes/s',
        reference: 'raw ws send loop',
        referenceValue: median(rate.raw),
        note: `${sustained.events} publishes back to back, until every client has all of them (${sustained.events * clients} frames); median of ${sustained.rounds} rounds`
      })
    ];
  } finally {
    await child.close();
    await Promise.all([ours.close(), raw.close()]);
  }
}
