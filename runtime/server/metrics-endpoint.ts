/**
 * The metrics endpoint of `node build`, off unless the environment turns it on:
 *
 * - `REALTIME_METRICS_TOKEN=<secret>`: served at `/__realtime/metrics` on the app's own port,
 *   to requests with `Authorization: Bearer <secret>` (401 otherwise);
 * - `REALTIME_METRICS_PORT=<port>`: served at `/metrics` on a listener of its own on 127.0.0.1
 *   (for a scraper on the same host or a sidecar; it needs the token too when both are set).
 *
 * With neither set no request is looked at and nothing is counted.
 */
import http, { type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Metrics } from './metrics.js';

/** Where the app's own server answers with metrics (beside the socket's `/__realtime`). */
export const METRICS_PATH = '/__realtime/metrics';
/** Where the separate listener answers. */
const PORT_METRICS_PATH = '/metrics';

export interface MetricsSettings {
  token?: string;
  port?: number;
}

/** The endpoint's settings from the environment; undefined when metrics stay off. Throws on a bad port. */
export function metricsSettingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): MetricsSettings | undefined {
  const token = env.REALTIME_METRICS_TOKEN || undefined;
  const rawPort = env.REALTIME_METRICS_PORT;
  let port: number | undefined;
  if (rawPort) {
    port = Number(rawPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new TypeError(`REALTIME_METRICS_PORT must be a port number from 1 to 65535; got ${JSON.stringify(rawPort)}`);
    }
  }
  if (token !== undefined && token.length < 16) {
    throw new TypeError('REALTIME_METRICS_TOKEN must be at least 16 characters (a random secret: `openssl rand -hex 32`)');
  }
  return token === undefined && port === undefined ? undefined : { token, port };
}

/** A running endpoint; `close()` takes it off the server (and stops the separate listener). */
export interface MetricsEndpoint {
  /** The separate listener's port, once listening (an ephemeral one when the setting was 0). */
  readonly port: Promise<number | undefined>;
  close(): void;
}

/**
 * Serves `metrics` as `settings` say: on `server` at METRICS_PATH when there is a token, and on
 * a listener of its own when there is a port. Every other request goes on to the server's own
 * handlers, as before.
 */
export function serveMetrics(
  server: HttpServer,
  metrics: Metrics,
  settings: MetricsSettings,
  logError: (error: unknown, where: string) => void = (error, where) => console.error(`[svelte-realtime] ${where}:`, error)
): MetricsEndpoint {
  const answer = (req: IncomingMessage, res: ServerResponse) => void answerScrape(req, res, metrics, settings.token, logError);
  let restore = () => {};
  if (settings.token !== undefined) {
    // The app's handlers (adapter-node's) are already listening: requests for the metrics path
    // are answered here, any other is handed to them unchanged.
    const others = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    const route = (req: IncomingMessage, res: ServerResponse) => {
      if (pathOf(req.url) === METRICS_PATH) return answer(req, res);
      for (const listener of others) listener.call(server, req, res);
    };
    server.removeAllListeners('request');
    server.on('request', route);
    restore = () => {
      server.off('request', route);
      for (const listener of others) server.on('request', listener);
    };
  }
  let listener: HttpServer | undefined;
  let port: Promise<number | undefined> = Promise.resolve(undefined);
  if (settings.port !== undefined) {
    const own = http.createServer((req, res) => {
      if (pathOf(req.url) === PORT_METRICS_PATH) return answer(req, res);
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`Metrics are at ${PORT_METRICS_PATH}`);
    });
    listener = own;
    port = new Promise((resolve) => {
      // A port already taken (another instance on this host) leaves the app serving, and says so.
      own.once('error', (error: NodeJS.ErrnoException) => {
        logError(error, `metrics: cannot listen on 127.0.0.1:${settings.port} (${error.code ?? error.message}); set REALTIME_METRICS_PORT to a free port`);
        resolve(undefined);
      });
      own.listen(settings.port, '127.0.0.1', () => resolve((own.address() as { port: number }).port));
    });
  }
  return {
    port,
    close() {
      restore();
      listener?.close();
      listener?.closeAllConnections();
    }
  };
}

function pathOf(url: string | undefined): string {
  const end = url ? url.indexOf('?') : -1;
  return url === undefined ? '/' : end < 0 ? url : url.slice(0, end);
}

async function answerScrape(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: Metrics,
  token: string | undefined,
  logError: (error: unknown, where: string) => void
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Use GET');
    return;
  }
  if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
    res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain; charset=utf-8' }).end('Send Authorization: Bearer <REALTIME_METRICS_TOKEN>');
    return;
  }
  try {
    const { contentType, body } = await metrics.text();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    logError(error, 'metrics');
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics failed; see the server log');
  }
}

/** Compares in constant time, so the response time tells nothing about the token. */
function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
