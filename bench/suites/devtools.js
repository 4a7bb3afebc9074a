/**
 * DevTools cost: RPC throughput (64 calls in flight) on three runtimes in one run, measured in
 * alternating blocks so each meets the same moments of the machine:
 *   off     realtime({ devtools: false }): no channel at all (the reference)
 *   closed  the dev channel with an overlay connected but closed (a dev page with the panel
 *           shut): telemetry is on and events are kept in the rings, nothing is serialised
 *   open    the same with the overlay open: every event is previewed, batched every 100 ms and
 *           JSON-encoded as Vite's dev socket would send it
 */
import { live } from '../../dist/runtime/server/index.js';
import { DevtoolsChannel } from '../../dist/plugin/devtools-channel.js';
import { startChild } from '../lib/child.js';
import { startRealtime } from '../lib/servers.js';
import { median, row } from '../lib/stats.js';

/** An overlay as the channel sees it: what it is sent is encoded like Vite's socket does. */
function overlay() {
  const client = {
    bytes: 0,
    events: 0,
    send(message) {
      client.bytes += JSON.stringify({ type: 'custom', event: 'svelte-realtime:devtools', data: message }).length;
      if (message.kind === 'events') client.events += message.events.length;
    }
  };
  return client;
}

export default async function devtools({ quick }) {
  const parallel = quick ? { warmup: 200, count: 1500, block: 500, inFlight: 64 } : { warmup: 5000, count: 300_000, block: 2000, inFlight: 64 };
  // A call that publishes, like most app calls: the channel sees a call and a publish each time.
  const modules = () => ({
    bench: {
      echo: live((ctx, value) => {
        ctx.publish('bench', 'echoed', value);
        return value;
      })
    }
  });
  const off = await startRealtime(modules());
  const closed = await startRealtime(modules());
  const open = await startRealtime(modules());
  const closedChannel = new DevtoolsChannel(() => closed.runtime);
  const openChannel = new DevtoolsChannel(() => open.runtime);
  const watching = overlay();
  closedChannel.connect(overlay(), false);
  openChannel.connect(watching, true);
  const clients = startChild('./rpc-client.js');
  try {
    // Three rounds, each setup going first once: whichever goes first in a block is slower on a
    // busy machine, so each round rotates the order. Rates combine as total calls / total time.
    const urls = [
      ['ours:off', off.url],
      ['ours:closed', closed.url],
      ['ours:open', open.url]
    ];
    // Three servers share this process, so one's garbage collection can land in another's block:
    // many short rounds in rotated order, and the median round per setup, keep that out.
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
    openChannel.flush();
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
    closedChannel.close();
    openChannel.close();
    await Promise.all([off.close(), closed.close(), open.close()]);
  }
}
