/**
 * Child process of the memory suite: one server alone in its process, so its heap and RSS
 * hold nothing else. `{ t: 'start', target }` starts our runtime (three streams) or the raw
 * `ws` reference; `{ t: 'measure' }` collects garbage and reports memory.
 */
import { live } from '../../dist/runtime/server/index.js';
import { serveParent } from './child.js';
import { startRawWs, startRealtime } from './servers.js';

async function measure() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  // `external` includes array buffers.
  return { heap: usage.heapUsed + usage.external, rss: usage.rss };
}

let server;
serveParent(async (message) => {
  if (message.t === 'start') {
    server =
      message.target === 'ours'
        ? await startRealtime({
            bench: {
              a: live.stream('a', () => null, { merge: 'set' }),
              b: live.stream('b', () => [], { merge: 'crud' }),
              room: live.stream((_ctx, room) => `room:${room}`, () => [], { merge: 'latest', max: 20 })
            }
          })
        : await startRawWs(() => {});
    return { url: server.url };
  }
  if (message.t === 'measure') return measure();
  throw new Error(`unknown request ${message.t}`);
});
