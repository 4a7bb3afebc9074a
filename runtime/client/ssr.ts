/**
 * The page's side of server rendering: `store.load(event)` and `fn.call(event, ...args)` in
 * `+page.server.ts` reach the server runtime of the same process (found through `globalThis`,
 * so no server code is imported into the browser bundle; see ../ssr-contract.ts).
 */
import { RUNTIME_KEY, type Loaded, type SsrRuntime } from '../ssr-contract.js';
import { RpcError } from './rpc-error.js';

export function isLoaded(value: unknown): value is Loaded<unknown> {
  return typeof value === 'object' && value !== null && (value as { '~live'?: unknown })['~live'] === 'stream';
}

/** The server runtime of this process; rejects when there is none (in the browser). */
export function ssrHost(path: string): SsrRuntime {
  const host = (globalThis as Record<symbol, SsrRuntime | undefined>)[RUNTIME_KEY];
  if (typeof window !== 'undefined' || !host || typeof host.ssrLoad !== 'function') {
    throw new RpcError(
      'SERVER_ONLY',
      `${path}: load(event) and .call(event, ...) run on the server, in +page.server.ts or +layout.server.ts; in the browser subscribe to the store or call the function`
    );
  }
  return host;
}
