/**
 * Graceful shutdown: what SIGTERM (a deploy, `docker stop`) and Ctrl+C do to `node build`.
 *
 * 1. New sockets are refused (503) and frames from open sockets are no longer run.
 * 2. Each socket is closed with 1012 ("service restart") as soon as the calls it has in flight
 *    have answered. The client reads 1012 as "reconnect soon": it reconnects with jitter, every
 *    store resumes from its position, and the calls it sent that were not answered are sent
 *    again, since the server ran none of them (only answered calls ran).
 * 3. A socket whose calls are still running at the deadline is closed with 1001 instead: its
 *    unanswered calls may have run, so the client fails them with DISCONNECTED, as after any drop.
 * 4. Jobs stop first, so no run starts during the drain; after the sockets, the handlers are
 *    deactivated and `onDispose` cleanups run (see runtime.ts `shutdown`).
 *
 * A second signal exits at once.
 */
import type { Connection } from './connection.js';

/** The close code a draining server ends sockets with: the client reconnects soon and re-sends what was not answered. */
export const CLOSE_RESTART = 1012;
export const CLOSE_GOING_AWAY = 1001;
/** How often the drain looks for sockets whose calls have all answered. */
const DRAIN_POLL_MS = 20;
/** How long closed sockets get to finish their closing handshake before they are cut. */
const CLOSE_HANDSHAKE_MS = 2_000;
/** Calls in flight get this long to answer when `SHUTDOWN_TIMEOUT` (seconds, as adapter-node reads it) is not set. */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * Closes every connection as above and resolves once all are gone: each with 1012 once its
 * calls have answered, or with 1001 at `deadlineMs`; sockets that do not finish their closing
 * handshake within a short grace after that are cut.
 */
export async function drainConnections(connections: ReadonlyMap<string, Connection>, deadlineMs: number): Promise<void> {
  const closing = new Set<Connection>();
  const close = (conn: Connection, code: number, reason: string): void => {
    closing.add(conn);
    // What the connection queued (the last answers) leaves before the close frame.
    conn.flush();
    conn.socket.close(code, reason);
  };
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    let waiting = false;
    for (const conn of connections.values()) {
      if (closing.has(conn)) continue;
      if (conn.inFlight === 0) close(conn, CLOSE_RESTART, 'Server restarting; reconnect');
      else waiting = true;
    }
    if (!waiting) break;
    await delay(DRAIN_POLL_MS);
  }
  for (const conn of connections.values()) {
    if (!closing.has(conn)) close(conn, CLOSE_GOING_AWAY, 'Server stopped before your calls finished');
  }
  const cutAt = Date.now() + CLOSE_HANDSHAKE_MS;
  while (connections.size > 0 && Date.now() < cutAt) await delay(DRAIN_POLL_MS);
  for (const conn of connections.values()) conn.socket.terminate();
}

/** The drain deadline from `SHUTDOWN_TIMEOUT` (seconds), the variable adapter-node reads for the same purpose. */
export function shutdownDeadlineFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SHUTDOWN_TIMEOUT;
  if (raw === undefined || raw === '') return DEFAULT_SHUTDOWN_DEADLINE_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new TypeError(`SHUTDOWN_TIMEOUT must be a number of seconds (got ${JSON.stringify(raw.slice(0, 40))}); unset it for the default of 30`);
  }
  return seconds * 1000;
}

/**
 * Runs `stop` on the first SIGTERM or SIGINT and exits when it is done; a second signal exits at
 * once. `stop` resolving does not end the process by itself: the HTTP server's own shutdown
 * (adapter-node's) still runs. If something the app started (a timer, a client it never closed)
 * keeps the process alive past a short grace after that, it exits anyway.
 */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => Promise<void>, log: (line: string) => void = console.log): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`svelte-realtime: ${signal} again: exiting now`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stopping = true;
    log(`svelte-realtime: ${signal}: closing sockets once their calls finish; ${signal} again to exit at once`);
    stop(signal).then(
      () => exitSoon(0),
      (error: unknown) => {
        console.error('svelte-realtime: shutdown failed:', error);
        exitSoon(1);
      }
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

/** How long the process may linger after a finished shutdown before it is ended. */
const EXIT_GRACE_MS = 1_000;

/** Exits after a grace, unless the process has ended on its own first (the timer does not keep it alive). */
function exitSoon(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
