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

/**
 * Where each key sits in a list: at `at.get(key) + offset` (the offset moves instead of every
 * entry when items are added in front or dropped from it). Owned by one list at a time.
 */
interface KeyIndex {
  readonly at: Map<unknown, number>;
  offset: number;
  /** The list's length when indexed: another length means app code changed it in place. */
  length: number;
  readonly key: string;
}

const indexes = new WeakMap<readonly unknown[], KeyIndex>();
/** Marks a removed slot until the fold ends and the list is closed up once. */
const HOLE: unique symbol = Symbol('removed');

const NONE = 0;
const UPSERT = 1;
const REMOVE = 2;
type Change = typeof NONE | typeof UPSERT | typeof REMOVE;

function indexOf(list: readonly unknown[], key: string): KeyIndex {
  const known = indexes.get(list);
  if (known && known.length === list.length && known.key === key) return known;
  const at = new Map<unknown, number>();
  // From the end, so a key listed twice points at its first item (as a search from the start would).
  for (let i = list.length - 1; i >= 0; i--) at.set(keyOf(list[i], key), i);
  return { at, offset: 0, length: list.length, key };
}

/** Where a fold puts new items and how long it lets the list grow. */
interface Shape {
  prepend: boolean;
  limit: number | undefined;
}
const PLAIN: Shape = { prepend: false, limit: undefined };

/**
 * Folds `events` into a list keyed by `key` (crud, presence, cursor): an upsert adds its item
 * or replaces it in place, a remove drops it, `set` replaces the list, any other event leaves it
 * as it is. One copy of the list for the whole burst; `fresh` forces a new index (the cached one
 * did not match the list: app code changed it in place).
 */
function foldKeyed(value: unknown, events: readonly MergeEvent[], key: string, changeOf: (event: string) => Change, shape: Shape, fresh = false): unknown {
  let current = value;
  /** The list being built: `front` (added in front, newest last) then `body` (the old list, then what was added after). */
  let body: unknown[] | undefined;
  let front: unknown[] = [];
  let index: KeyIndex | undefined;
  let source: readonly unknown[] = [];
  let holes = 0;
  const get = (at: number) => (at < front.length ? front[front.length - 1 - at] : body![at - front.length]);
  const put = (at: number, item: unknown) => {
    if (at < front.length) front[front.length - 1 - at] = item;
    else body![at - front.length] = item;
  };
  for (const { event, data } of events) {
    if (event === 'set') {
      current = data;
      body = undefined;
      continue;
    }
    const change = changeOf(event);
    if (change === NONE) continue;
    if (!body) {
      source = Array.isArray(current) ? current : [];
      if (fresh) indexes.delete(source);
      index = indexOf(source, key);
      // Taken over: the list this fold returns owns the index from here on.
      indexes.delete(source);
      body = source.slice();
      front = [];
      holes = 0;
    }
    const id = keyOf(data, key);
    const stored = index!.at.get(id);
    if (stored !== undefined) {
      const at = stored + index!.offset;
      if (!fresh && (at < 0 || at >= front.length + body.length || get(at) === HOLE || keyOf(get(at), key) !== id)) {
        // The list was changed in place after it was indexed: start over with a fresh index.
        return foldKeyed(value, events, key, changeOf, shape, true);
      }
      if (change === REMOVE) {
        put(at, HOLE);
        index!.at.delete(id);
        holes++;
      } else put(at, data);
    } else if (change === UPSERT) {
      if (shape.prepend) {
        front.push(data);
        index!.offset++;
        index!.at.set(id, -index!.offset);
      } else {
        index!.at.set(id, front.length + body.length - index!.offset);
        body.push(data);
      }
    }
  }
  if (!body) return current;
  let list = front.length > 0 ? front.reverse().concat(body) : body;
  let keep: KeyIndex | undefined = index;
  if (holes > 0) {
    list = list.filter((item) => item !== HOLE);
    // Positions moved: the next fold indexes the list again.
    keep = undefined;
  }
  const limit = shape.limit;
  if (limit !== undefined && list.length > limit) {
    // Items go from the end opposite to where new ones arrive.
    const gone = shape.prepend ? list.splice(limit) : list.splice(0, list.length - limit);
    if (keep) {
      const first = shape.prepend ? limit : 0;
      for (let i = 0; i < gone.length; i++) {
        const id = keyOf(gone[i], key);
        if (keep.at.get(id)! + keep.offset === first + i) keep.at.delete(id);
      }
      if (!shape.prepend) keep.offset -= gone.length;
    }
  }
  if (keep) {
    keep.length = list.length;
    indexes.set(list, keep);
  }
  return list;
}

/** One event into a keyed list (the cursor merge's single events go through here). */
function keyed(value: unknown, event: string, data: unknown, key: string, upsert: boolean, remove: boolean): unknown {
  if (event !== 'set' && !upsert && !remove) return value;
  return foldKeyed(value, [{ event, data }], key, () => (upsert ? UPSERT : remove ? REMOVE : NONE), PLAIN);
}

const crudChange = (event: string): Change => (event === 'created' || event === 'updated' || event === 'upserted' ? UPSERT : event === 'deleted' ? REMOVE : NONE);
const presenceChange = (event: string): Change => (event === 'join' ? UPSERT : event === 'leave' ? REMOVE : NONE);

function crudShape(options: MergeOptions): Shape {
  return options.prepend || options.limit !== undefined ? { prepend: options.prepend === true, limit: options.limit } : PLAIN;
}

/** The last `max` payloads of `list` followed by `added` (or `added` newest first, then `list`, with `prepend`). */
function latest(value: unknown, added: unknown[], options: MergeOptions): unknown {
  const list = Array.isArray(value) ? value : [];
  if (options.prepend) {
    const next = added.reverse().concat(list);
    if (next.length > options.max) next.length = options.max;
    return next;
  }
  const next = list.concat(added);
  return next.length > options.max ? next.slice(next.length - options.max) : next;
}

/**
 * Folds a burst of events, in order, into `value`: what `applyEvent` one at a time would give,
 * with one copy of a keyed list for the whole burst instead of one per event.
 */
export function applyEvents(value: unknown, events: readonly MergeEvent[], options: MergeOptions): unknown {
  if (events.length === 1) return applyEvent(value, events[0]!.event, events[0]!.data, options);
  switch (options.merge) {
    case 'crud':
      return foldKeyed(value, events, options.key, crudChange, crudShape(options));
    case 'presence':
      return foldKeyed(value, events, options.key, presenceChange, PLAIN);
    case 'latest':
      return latest(value, events.map((e) => e.data), options);
    case 'set':
      return events.length === 0 ? value : events[events.length - 1]!.data;
    default: {
      let next = value;
      for (const { event, data } of events) next = applyEvent(next, event, data, options);
      return next;
    }
  }
}

export function applyEvent(value: unknown, event: string, data: unknown, options: MergeOptions): unknown {
  switch (options.merge) {
    case 'crud':
      return crudChange(event) === NONE && event !== 'set' ? value : foldKeyed(value, [{ event, data }], options.key, crudChange, crudShape(options));
    case 'latest':
      return latest(value, [data], options);
    case 'set':
      return data;
    case 'presence':
      return keyed(value, event, data, options.key, event === 'join', event === 'leave');
    case 'cursor': {
      // 'moves' is a tick's frame: every cursor that moved, folded in one pass over the list.
      if (event !== 'moves') return keyed(value, event, data, options.key, event === 'move', event === 'leave');
      if (!Array.isArray(data) || data.length === 0) return value;
      const next = Array.isArray(value) ? value.slice() : [];
      const at = new Map<unknown, number>();
      for (let i = 0; i < next.length; i++) at.set(keyOf(next[i], options.key), i);
      for (const entry of data) {
        const id = keyOf(entry, options.key);
        const index = at.get(id);
        if (index === undefined) at.set(id, next.push(entry) - 1);
        else next[index] = entry;
      }
      return next;
    }
  }
}
