/**
 * Child process of the devtools suite: one runtime alone in its process, so the work a DevTools
 * channel does on its own timers (an open panel's batches every 100 ms) lands on that setup and
 * no other. `{ t: 'start', mode }` starts it: `off` (no channel), `closed` (an overlay connected
 * with its panel shut) or `open` (an overlay with its panel open, sent what Vite's dev socket
 * would carry); `{ t: 'overlay' }` reports what the overlay was sent.
 */
import { live } from '../../dist/runtime/server/index.js';
import { DevtoolsChannel } from '../../dist/plugin/devtools/channel.js';
import { packMessage } from '../../dist/runtime/devtools-wire/packing.js';
import { serveParent } from './child.js';
import { startRealtime } from './servers.js';

/** An overlay as the channel sees it: what it is sent is packed and encoded as the transport and Vite's socket do. */
function overlay() {
  const client = {
    bytes: 0,
    events: 0,
    send(message) {
      client.bytes += JSON.stringify({ type: 'custom', event: 'svelte-realtime:devtools', data: packMessage(message) }).length;
      if (message.type === 'events') client.events += message.events.length;
    }
  };
  return client;
}

let channel;
let watching;
/** Calls served: each makes a call event and a publish event, the overlay's share is of those. */
let calls = 0;
serveParent(async (message) => {
  if (message.t === 'start') {
    // A call that publishes, like most app calls: the channel sees a call and a publish each time.
    const server = await startRealtime({
      bench: {
        echo: live((ctx, value) => {
          calls++;
          ctx.publish('bench', 'echoed', value);
          return value;
        })
      }
    });
    if (message.mode !== 'off') {
      channel = new DevtoolsChannel(() => server.runtime);
      watching = overlay();
      channel.connect(watching, message.mode === 'open');
    }
    return { url: server.url };
  }
  if (message.t === 'overlay') {
    channel?.flush();
    return { events: watching?.events ?? 0, bytes: watching?.bytes ?? 0, calls };
  }
  throw new Error(`unknown request ${message.t}`);
});
