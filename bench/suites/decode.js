/**
 * Decode cost: the server CPU time one 1 MiB client frame costs, from the socket to the answer,
 * per shape, against a frame of the same size holding one plain string (measured in the same
 * run). The row is the worst shape, so a frame built to be expensive to read costs at most a
 * small multiple of any other frame its size. The client runs in a child process; the server
 * runs here and its CPU time (process.cpuUsage, all threads) is what is measured.
 */
import { startChild } from '../lib/child.js';
import { SHAPES } from '../lib/decode-frames.js';
import { startRealtime } from '../lib/servers.js';
import { median, row } from '../lib/stats.js';
import { live } from '../../dist/runtime/server/index.js';

/** The default frame limit: the largest frame a client may send. */
const SIZE = 1024 * 1024 - 1024;

/** Server CPU milliseconds per frame of `shape`: the median of `rounds` rounds of `count` frames. */
async function cost(client, url, shape, rounds, count) {
  const samples = [];
  let answer;
  // A first round warms up the code paths (and is not counted).
  await client.request({ t: 'send', url, shape, size: SIZE, count: 1 });
  for (let round = 0; round < rounds; round++) {
    const before = process.cpuUsage();
    ({ answer } = await client.request({ t: 'send', url, shape, size: SIZE, count }));
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000 / count);
  }
  return { ms: median(samples), answer };
}

export default async function decode({ quick }) {
  const rounds = quick ? 1 : 7;
  const count = quick ? 1 : 5;
  const server = await startRealtime({ bench: { ok: live(() => 'ok') } });
  const client = startChild('./decode-client.js');
  try {
    const costs = {};
    for (const shape of Object.keys(SHAPES)) costs[shape] = await cost(client, server.url, shape, rounds, count);
    const reference = costs['plain string'];
    const shapes = Object.keys(SHAPES).filter((shape) => shape !== 'plain string');
    const worst = shapes.reduce((a, b) => (costs[b].ms > costs[a].ms ? b : a));
    const each = shapes.map((shape) => `${shape} ${costs[shape].ms.toFixed(1)} ms (${(costs[shape].ms / reference.ms).toFixed(2)}x)`).join('; ');
    return [
      row({
        name: 'Decode cost per byte, worst frame shape (1 MiB)',
        value: costs[worst].ms,
        unit: 'ms',
        reference: 'plain string frame, same size',
        referenceValue: reference.ms,
        target: '<= 3',
        note: `worst: ${worst}; server CPU per frame from socket to answer, ${rounds} rounds of ${count} frames, median; plain string ${reference.ms.toFixed(1)} ms; ${each}`
      })
    ];
  } finally {
    await client.close();
    await server.close();
  }
}
