/**
 * The page's side of server rendering: `store.load(event)` and `fn.call(event, ...args)` in
 * `+page.server.ts` reach the server runtime of the same process (found through `globalThis`,
 * so no server code is imported into the browser bundle).
 */
import type { MergeOptions, TopicPosition } from '../protocol.js';
import { RpcError } from './rpc-error.js';

/** What `load(event)` and `.call(event)` need of a SvelteKit RequestEvent. */
export interface LoadEvent {
  request: Request;
  url: URL;
  cookies: { get(name: string): string | undefined; getAll(): { name: string; value: string }[] };
  getClientAddress(): string;
}

/**
 * A stream's value as loaded on the server: pass it to the page and `hydrate` the store with
 * it, so the page renders with data and the subscription resumes from `position`.
 */
export interface Loaded<T> {
  '~live': 'stream';
  value: T;
  topic: string;
  position: TopicPosition;
  merge: MergeOptions;
  /** A paginated stream's cursor for the next page (null at the end). */
  next?: unknown;
}

interface SsrHost {
  ssrCall(path: string, args: unknown[], event: LoadEvent): Promise<unknown>;
  ssrLoad(path: string, args: unknown[], event: LoadEvent): Promise<Loaded<unknown>>;
}

export function isLoaded(value: unknown): value is Loaded<unknown> {
  return typeof value === 'object' && value !== null && (value as { '~live'?: unknown })['~live'] === 'stream';
}

/** The server runtime of this process; rejects when there is none (in the browser). */
export function ssrHost(path: string): SsrHost {
  const host = (globalThis as Record<symbol, SsrHost | undefined>)[Symbol.for('svelte-realtime.runtime')];
  if (typeof window !== 'undefined' || !host || typeof host.ssrLoad !== 'function') {
    throw new RpcError(
      'SERVER_ONLY',
      `${path}: load(event) and .call(event, ...) run on the server, in +page.server.ts or +layout.server.ts; in the browser subscribe to the store or call the function`
    );
  }
  return host;
}
