/**
 * How a stream folds events into its value, per merge strategy. Pure functions: a new value
 * is returned, the old one is never mutated. Both sides own it: the browser's stores fold with
 * it, and so does the server when it reads a stream's values (server/stream-values.ts).
 *
 * - crud: a list of items identified by `key`; `created` and `updated` upsert in place (order
 *   kept, new items last, or first with `prepend`), `deleted` removes (data may be the item or
 *   its key), `set` replaces. With `limit`, the list keeps that many items: past it, items go
 *   from the end opposite to where new ones arrive.
 * - latest: the last `max` event payloads, oldest first (newest first with `prepend`).
 * - set: every event replaces the value.
 * - presence: who is here, one entry per key; `join` adds or updates, `leave` removes.
 * - cursor: the latest position per key; `move` adds or updates, `moves` (a tick's frame: a
 *   list of entries) adds or updates each, `leave` removes.
 *
 * Keyed lists cost O(1) per event, not O(n): `applyEvents` folds a burst with one copy of the
 * list, and the list it returns carries a key -> position index (a WeakMap beside it) that the
 * next fold takes over, so a 1 000-item list is not searched for every event. A list changed in
 * place by app code (never do that to a store's value) is noticed and indexed again.
 */
import type { MergeOptions } from './protocol.js';

/** One event to fold: its name and data, as a topic delivers it. */
export interface MergeEvent {
  event: string;
  data: unknown;
}

/** What identifies `item` under `key`: the field of an object, or a plain value itself (a key sent alone). */
export function keyOf(item: unknown, key: string): unknown {
  return typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : item;
}

/** Where each key of a list sits, and the length and key it was made for. Owned by one list at a time. */
interface KeyIndex {
  readonly at: Map<unknown, number>;
  readonly length: number;
  readonly key: string;
}

const indexes = new WeakMap<readonly unknown[], KeyIndex>();
/** Marks a removed slot until the fold ends and the list is closed up once. */
const HOLE: unique symbol = Symbol('removed');

const NONE = 0;
const UPSERT = 1;
const REMOVE = 2;
type Change = typeof NONE | typeof UPSERT | typeof REMOVE;

/**
 * Folds `events` into a list keyed by `key` (crud, presence, cursor): an upsert adds its item
 * (last, or first with `prepend`) or replaces it in place, a remove drops it, `set` replaces the
 * list, any other event leaves it as it is; past `limit` items, the list loses them from the end
 * opposite to where new ones go. One copy of the list for the whole burst. A slot is a position
 * in `body` (the list, then what was appended), or `~j` for `front[j]` (what was prepended,
 * newest last). The index is kept for the result when no position moved (nothing prepended,
 * removed or trimmed); `fresh` skips the kept one (app code changed the list in place).
 */
function foldKeyed(value: unknown, events: readonly MergeEvent[], key: string, changeOf: (event: string) => Change, prepend?: boolean, limit?: number, fresh?: boolean): unknown {
  let current = value;
  let body: unknown[] | undefined;
  let front: unknown[] = [];
  let at = new Map<unknown, number>();
  let holes = 0;
  for (const { event, data } of events) {
    if (event === 'set') {
      current = data;
      body = undefined;
      continue;
    }
    const change = changeOf(event);
    if (change === NONE) continue;
    if (!body) {
      const list: readonly unknown[] = Array.isArray(current) ? current : [];
      const known = indexes.get(list);
      // Taken over: the list this fold returns owns the index from here on.
      indexes.delete(list);
      if (known && !fresh && known.length === list.length && known.key === key) at = known.at;
      else {
        at = new Map();
        // From the end, so a key listed twice points at its first item (as a search from the start would).
        for (let i = list.length - 1; i >= 0; i--) at.set(keyOf(list[i], key), i);
      }
      body = list.slice();
      front = [];
      holes = 0;
    }
    const id = keyOf(data, key);
    const slot = at.get(id);
    if (slot === undefined) {
      if (change === UPSERT) at.set(id, prepend ? ~(front.push(data) - 1) : body.push(data) - 1);
      continue;
    }
    const item = slot < 0 ? front[~slot] : body[slot];
    // The list was changed in place after it was indexed: start over with a fresh index.
    if (!fresh && (item === HOLE || keyOf(item, key) !== id)) return foldKeyed(value, events, key, changeOf, prepend, limit, true);
    const next = change === REMOVE ? HOLE : data;
    if (slot < 0) front[~slot] = next;
    else body[slot] = next;
    if (next === HOLE) {
      at.delete(id);
      holes++;
    }
  }
  if (!body) return current;
  let list = front.length > 0 ? front.reverse().concat(body) : body;
  if (holes > 0) list = list.filter((item) => item !== HOLE);
  if (limit !== undefined && list.length > limit) list = prepend ? list.slice(0, limit) : list.slice(list.length - limit);
  if (list === body) indexes.set(list, { at, length: list.length, key });
  return list;
}

const crudChange = (event: string): Change => (event === 'created' || event === 'updated' || event === 'upserted' ? UPSERT : event === 'deleted' ? REMOVE : NONE);
const presenceChange = (event: string): Change => (event === 'join' ? UPSERT : event === 'leave' ? REMOVE : NONE);
const cursorChange = (event: string): Change => (event === 'move' ? UPSERT : event === 'leave' ? REMOVE : NONE);

/** The last `max` payloads of `list` followed by `added` (or `added` newest first, then `list`, with `prepend`). */
function latest(value: unknown, added: unknown[], options: MergeOptions): unknown {
  const list = Array.isArray(value) ? value : [];
  const max = options.max;
  return options.prepend ? added.reverse().concat(list).slice(0, max) : list.concat(added).slice(-max);
}

/**
 * Folds a burst of events, in order, into `value`: what `applyEvent` one at a time would give,
 * with one copy of a keyed list for the whole burst instead of one per event.
 */
export function applyEvents(value: unknown, events: readonly MergeEvent[], options: MergeOptions): unknown {
  switch (options.merge) {
    case 'crud':
      return foldKeyed(value, events, options.key, crudChange, options.prepend, options.limit);
    case 'presence':
      return foldKeyed(value, events, options.key, presenceChange);
    case 'cursor':
      // 'moves' is a tick's frame: every cursor that moved, each folded as a move.
      return foldKeyed(
        value,
        events.flatMap((e) => (e.event === 'moves' ? (Array.isArray(e.data) ? e.data : []).map((data) => ({ event: 'move', data })) : [e])),
        options.key,
        cursorChange
      );
    case 'latest':
      return latest(value, events.map((e) => e.data), options);
    case 'set':
      return events.length > 0 ? events[events.length - 1]!.data : value;
  }
}

export function applyEvent(value: unknown, event: string, data: unknown, options: MergeOptions): unknown {
  return applyEvents(value, [{ event, data }], options);
}
