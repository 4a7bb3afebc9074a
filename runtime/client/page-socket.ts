/**
 * The page's one socket, created on first use and never on the server (SSR opens no socket).
 * The public entry (index.ts) and the internal one the `$live/*` stubs load (internal.ts) both
 * reach it here, so a page holds one socket whichever entry it loads first.
 */
import { LiveSocket, type SocketOptions } from './socket.js';

const options: SocketOptions = { timeout: 30_000, baseDelay: 500, maxDelay: 15_000 };
let socket: LiveSocket | undefined;
const inBrowser = typeof window !== 'undefined' && typeof WebSocket !== 'undefined';

/** The page's socket, created on first use; null on the server. */
export function liveSocket(): LiveSocket | null {
  if (!inBrowser) return null;
  socket ??= new LiveSocket(options);
  return socket;
}

/** Changes client options; call before the first RPC or subscription. */
export function configure(next: Partial<Pick<SocketOptions, 'url' | 'timeout' | 'baseDelay' | 'maxDelay'>>): void {
  Object.assign(options, next);
}
