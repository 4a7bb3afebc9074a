/**
 * Metrics cost: RPC throughput (64 calls in flight, each call publishing once) of a runtime with
 * metrics on against one with metrics off. Both serve from this process (metrics run no timers
 * of their own, so nothing of one setup lands on the other), one at a time, in many short rounds
 * of alternating order compared by median round, so a busy moment of the machine falls on both.
 * The server's CPU time per call is measured too: on a loaded machine it moves less than
 * throughput does.
 */
import { live } from '../../dist/runtime/server/index.js';
import { startChild } from '../lib/child.js';
import { startRealtime } from '../lib/servers.js';
import { median, row } from '../lib/stats.js';

/** A call that publishes, like most app calls: a call and a publish are counted each time. */
const modules = () => ({
  bench: {
    echo: live((ctx, value) => {
      ctx.publish('bench', 'echoed', value);
      return value;
    })
  }
});

export default async function metrics({ quick }) {
  const perRound = quick ? { warmup: 100, count: 500, block: 500, inFlight: 64 } : { warmup: 500, count: 10_000, block: 2000, inFlight: 64 };
  const rounds = quick ? 2 : 40;
  const off = await startRealtime(modules());
  const on = await startRealtime(modules());
  on.runtime.enableMetrics();
  const clients = startChild('./rpc-client.js');
  try {
    const setups = [
      ['off', off.url],
      ['on', on.url]
    ];
    // Warm both up together first (compiled code, pools), then measure one setup at a time.
    await clients.request({ t: 'throughput', targets: { 'ours:off': off.url, 'ours:on': on.url }, ...perRound, warmup: quick ? 100 : 5000 });
    const rates = { off: [], on: [] };
    const cpu = { off: [], on: [] };
    for (let round = 0; round < rounds; round++) {
      for (const [setup, url] of round % 2 === 0 ? setups : [...setups].reverse()) {
        const before = process.cpuUsage();
        const rate = await clients.request({ t: 'throughput', targets: { [`ours:${setup}`]: url }, ...perRound });
        const used = process.cpuUsage(before);
        rates[setup].push(rate[`ours:${setup}`]);
        // This process runs only the servers: its CPU time is what the calls cost them.
        cpu[setup].push((used.user + used.system) / (perRound.warmup + perRound.count));
      }
    }
    const ratios = rates.on.map((rate, i) => rate / rates.off[i]).sort((a, b) => a - b);
    await on.runtime.metrics.text(); // the first scrape loads prom-client
    const started = performance.now();
    const { body } = await on.runtime.metrics.text();
    const scrapeMs = performance.now() - started;
    const calls = `${rounds * perRound.count} calls per setup (each publishes once) in ${rounds} rounds of ${perRound.count}, one setup at a time in alternating order`;
    return [
      row({
        name: 'RPC throughput, metrics on',
        value: median(rates.on),
        unit: 'calls/s',
        reference: 'metrics off',
        referenceValue: median(rates.off),
        target: '>= 0.95',
        note: `${calls}; median round (round by round ${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)}x). A scrape afterwards (prom-client loaded): ${scrapeMs.toFixed(1)} ms, ${body.length} bytes`
      }),
      row({
        name: 'Server CPU per call, metrics on',
        value: median(cpu.on),
        unit: 'µs',
        reference: 'metrics off',
        referenceValue: median(cpu.off),
        note: `information: the same calls; CPU time of the server process (user + system) per call, median round (per call two counts, per publish one, per frame a clock reading); less swayed than throughput by other work on the machine, and with both setups off it read 0.999x`
      })
    ];
  } finally {
    await clients.close();
    await Promise.all([off.close(), on.close()]);
  }
}
