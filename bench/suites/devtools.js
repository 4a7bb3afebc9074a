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
 *
 * Those two rows run the server flat out, where the open budget keeps only a sample of events:
 * they measure the sampler as much as the overlay. The realistic-load rows run a dev load
 * instead (2 000 calls/s, each publishing to a topic 10 stores follow) on a server with no
 * channel and one with the panel open (bench/lib/devtools-load-server.js): the same work at the
 * same rate, so the extra CPU time the open one uses is what the overlay costs, every event is
 * kept (the row says what share was), and that cost divided by the events kept is the cost of
 * one captured event. The last row is the page side: the page's own throughput in a real
 * browser with the panel open against closed.
 */
import { WebSocket } from 'ws';
import { LiveSocket } from '../../dist/runtime/client/socket.js';
import { startChild } from '../lib/child.js';
import { median, row } from '../lib/stats.js';
import { pageThroughput } from '../lib/devtools-page.js';

/** The realistic dev load: calls per second, and the stores following the topic each call publishes to. */
const LOAD = { rate: 2000, subscribers: 10 };

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
    const flatOutKept = watching.events / (2 * watching.calls);
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
        note: `the open overlay was sent ${watching.events} events, ${(watching.bytes / 1e6).toFixed(1)} MB of JSON: ${(flatOutKept * 100).toFixed(1)}% of the calls and publishes (flat out, the open budget of 10 000 events a second samples them)`
      }),
      ...(await realisticLoad(quick)),
      ...(await pageSide(quick))
    ];
  } finally {
    await clients.close();
    await Promise.all(Object.values(servers).map((server) => server.close()));
  }
}

/**
 * 2 000 calls/s with 10 subscribers, on a server with no channel and one with the panel open, in
 * alternating rounds: the open server's extra CPU time against the other's, the share of events
 * it kept, and its cost per kept event.
 */
async function realisticLoad(quick) {
  globalThis.WebSocket ??= WebSocket;
  const seconds = quick ? 1 : 4;
  const rounds = quick ? 2 : 6;
  const servers = { off: startChild('./devtools-load-server.js'), open: startChild('./devtools-load-server.js') };
  const clients = [];
  try {
    const cpu = { off: [], open: [] };
    const setups = {};
    for (const [mode, server] of Object.entries(servers)) {
      const { url } = await server.request({ t: 'start', mode });
      const socket = (n) => {
        const s = new LiveSocket({ url, timeout: 30_000, baseDelay: 500, maxDelay: 15_000, heartbeat: 0, maxQueue: 100_000, maxAge: 30_000 });
        clients.push(s);
        return s;
      };
      const caller = socket();
      await caller.call('bench/echo', [0]);
      for (let i = 0; i < LOAD.subscribers; i++) {
        const follower = socket();
        await new Promise((resolve, reject) =>
          follower.subscribe({ path: 'bench/feed', args: [], position: () => undefined, snapshot: resolve, resumed() {}, event() {}, error: reject })
        );
      }
      setups[mode] = { server, caller };
    }
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? ['off', 'open'] : ['open', 'off']) {
        const { server, caller } = setups[mode];
        const before = await server.request({ t: 'cpu' });
        await paced(caller, LOAD.rate, seconds);
        const after = await server.request({ t: 'cpu' });
        cpu[mode].push((after.cpuMs - before.cpuMs) / ((after.now - before.now) / 1000));
      }
    }
    const off = median(cpu.off);
    const open = median(cpu.open);
    const overlay = await servers.open.request({ t: 'overlay' });
    const kept = overlay.kept / (2 * overlay.calls);
    const perEventUs = ((open - off) * 1000) / (LOAD.rate * 2);
    const note = `${LOAD.rate} calls/s for ${seconds} s per round, ${rounds} rounds alternating, each call publishing to a topic ${LOAD.subscribers} stores follow; server CPU ms per second, median round (off ${off.toFixed(1)}, open ${open.toFixed(1)})`;
    return [
      row({ name: `Server CPU at ${LOAD.rate} calls/s x ${LOAD.subscribers} subscribers, DevTools open`, value: open, unit: 'ms/s', reference: 'devtools: false', referenceValue: off, target: '<= 1.05', note }),
      row({
        name: 'Events kept by an open overlay at that load',
        value: kept * 100,
        unit: '%',
        reference: 'every call and publish',
        referenceValue: 100,
        target: '>= 1',
        note: `${overlay.kept} of ${2 * overlay.calls} calls and publishes sent to the overlay (${(overlay.bytes / 1e6).toFixed(1)} MB of JSON); sampling starts past 10 000 events a second, a guard for floods`
      }),
      row({
        name: 'Cost per captured event (open overlay)',
        value: perEventUs,
        unit: 'µs',
        reference: 'server CPU per call, no channel',
        referenceValue: (off * 1000) / LOAD.rate,
        note: 'extra server CPU at that load divided by the events kept: kept by reference, previewed, batched and JSON-encoded'
      })
    ];
  } finally {
    for (const client of clients) client.ws?.close();
    await Promise.all(Object.values(servers).map((server) => server.close()));
  }
}

/**
 * The page's own RPC throughput in Chromium against example-app in `vite dev`, panel open
 * against closed (bench/lib/devtools-page.js): short rounds, a browser is heavy for a bench run.
 */
async function pageSide(quick) {
  let measured;
  try {
    measured = await pageThroughput({ quick });
  } catch (error) {
    // No browser or no dev server on this machine: the server rows above still stand.
    console.error(`bench devtools: the page-side row was not measured: ${error instanceof Error ? error.message : error}`);
    return [];
  }
  const { total, rounds, samples } = measured;
  const closed = median(samples.closed.map((s) => s.rate));
  const open = median(samples.open.map((s) => s.rate));
  const gap = (list) => Math.max(...list.map((s) => s.gap)).toFixed(0);
  return [
    row({
      name: "Page's RPC throughput in Chromium (vite dev), DevTools open",
      value: open,
      unit: 'calls/s',
      reference: 'panel closed',
      referenceValue: closed,
      target: '>= 0.8',
      note: `example-app's /inspect echo through its $live stub, 64 in flight, ${total} calls per round, ${rounds} rounds alternating closed and open (a few seconds each: a browser and a dev server are heavy for a bench run); median round; longest frame gap ${gap(samples.closed)} ms closed, ${gap(samples.open)} ms open`
    })
  ];
}

/** Makes `rate` calls a second for `seconds`, each sent when due, and waits for every answer. */
async function paced(socket, rate, seconds) {
  const total = rate * seconds;
  const start = performance.now();
  const answers = [];
  let sent = 0;
  while (sent < total) {
    // At most 100 a turn: calls made in one turn share a frame, and a frame carries at most 128.
    const due = Math.min(total, sent + 100, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    for (; sent < due; sent++) answers.push(socket.call('bench/echo', [{ n: sent, text: 'ping' }]));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(answers);
}
