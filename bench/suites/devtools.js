/**
 * DevTools cost: RPC throughput (64 calls in flight) on three runtimes in one run, measured in
 * alternating blocks so each meets the same moments of the machine:
 *   off     realtime({ devtools: false }): no channel at all (the reference)
 *   closed  the dev channel with an overlay connected but closed (a dev page with the panel
 *           shut): telemetry is on and events are kept in the rings, nothing is serialised
 *   open    the same with the overlay open: every event is previewed, batched every 100 ms and
 *           JSON-encoded as Vite's dev socket would send it
 * Each runtime runs in a process of its own (bench/lib/devtools-server.js): in one shared
 * process, the open channel's batches landed in whichever setup's block was running.
 */
import { startChild } from '../lib/child.js';
import { median, row } from '../lib/stats.js';

export default async function devtools({ quick }) {
  const parallel = quick ? { warmup: 200, count: 1500, block: 500, inFlight: 64 } : { warmup: 5000, count: 300_000, block: 2000, inFlight: 64 };
  const servers = Object.fromEntries(['off', 'closed', 'open'].map((mode) => [mode, startChild('./devtools-server.js')]));
  const clients = startChild('./rpc-client.js');
  try {
    const urls = [];
    for (const [mode, server] of Object.entries(servers)) urls.push([`ours:${mode}`, (await server.request({ t: 'start', mode })).url]);
    // Many short rounds, each rotating which setup goes first (the first of a block is slower
    // on a busy machine), and the median round per setup: a busy moment of the machine or a
    // collection in the client process lands in few rounds of any one setup.
    const rounds = quick ? 3 : 30;
    const perRound = { ...parallel, count: Math.round(parallel.count / rounds / parallel.block) * parallel.block || parallel.block };
    const samples = { 'ours:off': [], 'ours:closed': [], 'ours:open': [] };
    for (let round = 0; round < rounds; round++) {
      const shift = round % urls.length;
      const order = [...urls.slice(shift), ...urls.slice(0, shift)];
      const rates = await clients.request({ t: 'throughput', targets: Object.fromEntries(order), ...perRound });
      for (const [target] of order) samples[target].push(rates[target]);
    }
    const rate = Object.fromEntries(Object.entries(samples).map(([target, list]) => [target, median(list)]));
    const watching = await servers.open.request({ t: 'overlay' });
    const note = `${rounds * perRound.count} calls per setup (each publishes once), ${rounds} rounds in rotated order of ${perRound.count}, alternating ${parallel.block} at a time; median round`;
    return [
      row({ name: 'RPC throughput, DevTools closed', value: rate['ours:closed'], unit: 'calls/s', reference: 'devtools: false', referenceValue: rate['ours:off'], target: '>= 0.97', note }),
      row({
        name: 'RPC throughput, DevTools open',
        value: rate['ours:open'],
        unit: 'calls/s',
        reference: 'devtools: false',
        referenceValue: rate['ours:off'],
        target: '>= 0.90',
        note: `the open overlay was sent ${watching.events} events, ${(watching.bytes / 1e6).toFixed(1)} MB of JSON`
      })
    ];
  } finally {
    await clients.close();
    await Promise.all(Object.values(servers).map((server) => server.close()));
  }
}
