/**
 * The page's one socket, created on first use and never on the server (SSR opens no socket).
 * The public entry (index.ts) and the internal one the `$live/*` stubs load (internal.ts) both
 * reach it here, so a page holds one socket whichever entry it loads first.
 */
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

/** Changes client options; call before the first RPC or subscription. */
export function configure(next: Partial<SocketOptions>): void {
  for (const [name, value] of Object.entries(next)) {
    const problem = optionProblem(name, value);
    if (problem) throw new RpcError('INVALID_OPTION', `configure({ ${name} }): ${problem}`);
  }
  Object.assign(options, next);
}

/** What is wrong with an option's value, or undefined when it is fine. */
function optionProblem(name: string, value: unknown): string | undefined {
  if (name === 'url') return typeof value === 'string' ? undefined : `takes the socket's ws:// or wss:// URL as a string, not ${String(value)}`;
  if (!Object.hasOwn(options, name)) return `is not an option; the options are url, ${Object.keys(options).join(', ')}`;
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) return `takes a number of ${name === 'maxQueue' ? 'calls' : 'ms'} (0 or more), not ${String(value)}`;
  return undefined;
}
