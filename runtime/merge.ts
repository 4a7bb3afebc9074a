/**
 * How a stream folds an event into its value, per merge strategy. Pure functions: a new value
 * is returned, the old one is never mutated. Both sides own it: the browser's stores fold with
 * it, and so does the server when it reads a stream's values (server/stream-values.ts).
 *
 * - crud: a list of items identified by `key`; `created` and `updated` upsert in place (order
 *   kept, new items last), `deleted` removes (data may be the item or its key), `set` replaces.
 * - latest: the last `max` event payloads, oldest first.
 * - set: every event replaces the value.
 * - presence: who is here, one entry per key; `join` adds or updates, `leave` removes.
 * - cursor: the latest position per key; `move` adds or updates, `moves` (a tick's frame: a
 *   list of entries) adds or updates each, `leave` removes.
 */
import type { MergeOptions } from './protocol.js';

/** What identifies `item` under `key`: the field of an object, or a plain value itself (a key sent alone). */
export function keyOf(item: unknown, key: string): unknown {
  return typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : item;
}

/**
 * A list keyed by `key` (crud, presence, cursor): an `upsert` event adds its item or replaces it
 * in place, a `remove` event drops it (data may be the item or its key), `set` replaces the
 * list, any other event leaves it as it is.
 */
function keyed(value: unknown, event: string, data: unknown, key: string, upsert: boolean, remove: boolean): unknown {
  if (event === 'set') return data;
  if (!upsert && !remove) return value;
  const list = Array.isArray(value) ? value : [];
  const id = keyOf(data, key);
  const index = list.findIndex((item) => keyOf(item, key) === id);
  if (remove) return index === -1 ? list : list.filter((_, i) => i !== index);
  if (index === -1) return [...list, data];
  const next = list.slice();
  next[index] = data;
  return next;
}

export function applyEvent(value: unknown, event: string, data: unknown, options: MergeOptions): unknown {
  switch (options.merge) {
    case 'crud':
      return keyed(value, event, data, options.key, event === 'created' || event === 'updated' || event === 'upserted', event === 'deleted');
    case 'latest': {
      const list = Array.isArray(value) ? value : [];
      const next = [...list, data];
      return next.length > options.max ? next.slice(next.length - options.max) : next;
    }
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
