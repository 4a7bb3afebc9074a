/**
 * Metrics cost: RPC throughput (64 calls in flight, each call publishing once) with metrics on
 * against the same runtime with metrics off, each in a process of its own, measured in many
 * short rounds of rotated order (as the devtools suite does) and compared by median round.
 */
import { startChild } from '../lib/child.js';
import { median, row } from '../lib/stats.js';

export default async function metrics({ quick }) {
  const parallel = quick ? { warmup: 200, count: 1000, block: 500, inFlight: 64 } : { warmup: 5000, count: 200_000, block: 2000, inFlight: 64 };
  const servers = { off: startChild('./metrics-server.js'), on: startChild('./metrics-server.js') };
  const clients = startChild('./rpc-client.js');
  try {
    const urls = [
      ['ours:off', (await servers.off.request({ t: 'start', metrics: false })).url],
      ['ours:on', (await servers.on.request({ t: 'start', metrics: true })).url]
    ];
    const rounds = quick ? 2 : 20;
    const perRound = { ...parallel, count: Math.round(parallel.count / rounds / parallel.block) * parallel.block || parallel.block };
    const samples = { 'ours:off': [], 'ours:on': [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? urls : [...urls].reverse();
      const rates = await clients.request({ t: 'throughput', targets: Object.fromEntries(order), ...perRound });
      for (const [target] of order) samples[target].push(rates[target]);
    }
    const scrape = await servers.on.request({ t: 'scrape' });
    return [
      row({
        name: 'RPC throughput, metrics on',
        value: median(samples['ours:on']),
        unit: 'calls/s',
        reference: 'metrics off',
        referenceValue: median(samples['ours:off']),
        target: '>= 0.95',
        note: `${rounds * perRound.count} calls per setup (each publishes once), ${rounds} rounds in alternating order of ${perRound.count}; median round. One scrape afterwards: ${scrape.ms.toFixed(1)} ms, ${scrape.bytes} bytes`
      })
    ];
  } finally {
    await clients.close();
    await Promise.all(Object.values(servers).map((server) => server.close()));
  }
}
