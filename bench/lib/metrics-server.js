/**
 * Child process of the metrics suite: one runtime alone in its process, with metrics off or on
 * (`{ t: 'start', metrics }`), so each setup's collections and compiled code are its own.
 * `{ t: 'scrape' }` reads the metrics as Prometheus would, and answers how long that took.
 */
import { live } from '../../dist/runtime/server/index.js';
import { serveParent } from './child.js';
import { startRealtime } from './servers.js';

let server;
serveParent(async (message) => {
  if (message.t === 'start') {
    // A call that publishes, like most app calls: a call and a publish are counted each time.
    server = await startRealtime({
      bench: {
        echo: live((ctx, value) => {
          ctx.publish('bench', 'echoed', value);
          return value;
        })
      }
    });
    if (message.metrics) server.runtime.enableMetrics();
    return { url: server.url };
  }
  if (message.t === 'scrape') {
    const started = performance.now();
    const { body } = await server.runtime.metrics.text();
    return { ms: performance.now() - started, bytes: body.length };
  }
  throw new Error(`unknown request ${message.t}`);
});
