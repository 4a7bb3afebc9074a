/**
 * Paginated streams: `live.stream(topic, init, { paginate: true })`. init returns one page,
 * `{ items, next }`, for the cursor in `ctx.cursor` (undefined for the first page); the store
 * holds the items, and the client's `loadMore()` asks for the page after `next` until it is null.
 * Later pages are plain calls to the same export: its module's guards run for each.
 */
import type { LiveContext } from '../context.js';
import type { LiveStream } from './stream.js';

/** One page of a paginated stream. */
export interface Page<Item, Cursor = unknown> {
  items: Item[];
  /** Where the next page starts; null when this is the last one. */
  next: Cursor | null;
}

function checkPage(page: unknown, what: string): unknown {
  const items = typeof page === 'object' && page !== null ? (page as { items?: unknown }).items : undefined;
  if (!Array.isArray(items)) {
    throw new TypeError(`${what}: a paginated stream's init must return { items: [...], next: cursor | null }`);
  }
  return page;
}

/** Adds `call` (the next page) to a stream, and checks every page init returns. */
export function paginated<S extends LiveStream<any[], unknown, boolean>>(stream: S): S & { call(ctx: LiveContext, args: unknown[]): Promise<unknown> } {
  const init = stream.init;
  return {
    ...stream,
    init: async (ctx: LiveContext, ...args: unknown[]) => checkPage(await init(ctx, ...args), 'live.stream'),
    async call(ctx: LiveContext, args: unknown[]) {
      const [cursor, ...rest] = args;
      return checkPage(await init({ ...ctx, cursor }, ...rest), 'live.stream');
    }
  };
}
