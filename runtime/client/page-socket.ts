/**
 * The page's one socket, created on first use and never on the server (SSR opens no socket).
 * The public entry (index.ts) and the internal one the `$live/*` stubs load (internal.ts) both
 * reach it here, so a page holds one socket whichever entry it loads first.
 */
import { setStoreUpdates, STORE_UPDATES, type StoreUpdates } from './frame-updates.js';
import { RpcError } from './rpc-error.js';
import { LiveSocket, type SocketOptions } from './socket.js';

const options: SocketOptions = { timeout: 30_000, baseDelay: 500, maxDelay: 15_000, heartbeat: 25_000, maxQueue: 1000, maxAge: 30_000 };
let socket: LiveSocket | undefined;
const inBrowser = typeof window !== 'undefined' && typeof WebSocket !== 'undefined';

/** The page's socket, created on first use; null on the server. */
export function liveSocket(): LiveSocket | null {
  if (!inBrowser) return null;
  socket ??= new LiveSocket(options);
  return socket;
}

/**
 * Changes client options; call before the first RPC or subscription. `updates` says when stream
 * stores apply the events they receive: `frame` (default: once per animation frame, a burst
 * folded in one pass), `microtask` or `sync` (see frame-updates.ts).
 */
export function configure(next: Partial<SocketOptions> & { updates?: StoreUpdates }): void {
  const { updates, ...socketOptions } = next;
  for (const [name, value] of Object.entries(socketOptions)) {
    const problem = optionProblem(name, value);
    if (problem) throw new RpcError('INVALID_OPTION', `configure({ ${name} }): ${problem}`);
  }
  if ('updates' in next) {
    if (!STORE_UPDATES.includes(updates!)) throw new RpcError('INVALID_OPTION', `configure({ updates }): takes ${STORE_UPDATES.map((m) => `'${m}'`).join(', ')}, not ${String(updates)}`);
    setStoreUpdates(updates!);
  }
  Object.assign(options, socketOptions);
}

/** What is wrong with an option's value, or undefined when it is fine. */
function optionProblem(name: string, value: unknown): string | undefined {
  if (name === 'url') return typeof value === 'string' ? undefined : `takes the socket's ws:// or wss:// URL as a string, not ${String(value)}`;
  if (!Object.hasOwn(options, name)) return `is not an option; the options are url, ${Object.keys(options).join(', ')}, updates`;
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) return `takes a number of ${name === 'maxQueue' ? 'calls' : 'ms'} (0 or more), not ${String(value)}`;
  return undefined;
}
