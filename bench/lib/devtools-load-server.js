/**
 * Child process of the devtools suite's realistic-load rows: one runtime alone in its process,
 * serving calls that publish to a topic with subscribers, with no channel (`off`) or with an
 * overlay open (`open`). `{ t: 'cpu' }` reports the CPU time the process has used, to compare
 * the two at the same call rate; `{ t: 'overlay' }` what the open overlay was sent and how many
 * calls ran, so the suite can say what share of the calls and publishes the overlay kept.
 */
import { live } from '../../dist/runtime/server/index.js';
import { DevtoolsChannel } from '../../dist/plugin/devtools/channel.js';
import { packMessage } from '../../dist/runtime/devtools-wire/packing.js';
import { serveParent } from './child.js';
import { startRealtime } from './servers.js';

let channel;
let calls = 0;
const overlay = {
  bytes: 0,
  /** Calls and publishes sent to the overlay (the events each call makes). */
  kept: 0,
  send(message) {
    overlay.bytes += JSON.stringify({ type: 'custom', event: 'svelte-realtime:devtools', data: packMessage(message) }).length;
    if (message.type === 'events') for (const event of message.events) if (event.type === 'call' || event.type === 'publish') overlay.kept++;
  }
};

serveParent(async (message) => {
  if (message.t === 'start') {
    const server = await startRealtime({
      bench: {
        echo: live((ctx, value) => {
          calls++;
          ctx.publish('feed', 'echoed', value);
          return value;
        }),
        feed: live.stream('feed', async () => [], { merge: 'latest', max: 10 })
      }
    });
    if (message.mode === 'open') {
      channel = new DevtoolsChannel(() => server.runtime);
      channel.connect(overlay, true);
    }
    return { url: server.url };
  }
  if (message.t === 'cpu') {
    const { user, system } = process.cpuUsage();
    return { cpuMs: (user + system) / 1000, now: performance.now() };
  }
  if (message.t === 'overlay') {
    channel?.flush();
    return { kept: overlay.kept, bytes: overlay.bytes, calls };
  }
  throw new Error(`unknown request ${message.t}`);
});
