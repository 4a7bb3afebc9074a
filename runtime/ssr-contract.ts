/**
 * What the page's `$live/*` exports and the server runtime agree on for server rendering:
 * `store.load(event)` and `fn.call(event, ...args)` in `+page.server.ts` find the process's
 * runtime at `RUNTIME_KEY` on `globalThis` and call it through `SsrRuntime`, so the browser
 * bundle imports no server code and the server imports nothing from the browser runtime.
 */
import type { MergeOptions, TopicPosition } from './protocol.js';

/** Where the process's server runtime lives on `globalThis` (every copy of the package finds the same one). */
export const RUNTIME_KEY = Symbol.for('svelte-realtime.runtime');

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

/** What the server runtime at `RUNTIME_KEY` offers server rendering. */
export interface SsrRuntime {
  ssrCall(path: string, args: unknown[], event: LoadEvent): Promise<unknown>;
  ssrLoad(path: string, args: unknown[], event: LoadEvent): Promise<Loaded<unknown>>;
}
