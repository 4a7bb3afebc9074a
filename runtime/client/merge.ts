/**
 * How a stream folds an event into its value, per merge strategy. Pure functions: a new value
 * is returned, the old one is never mutated.
 *
 * - crud: a list of items identified by `key`; `created` and `updated` upsert in place (order
 *   kept, new items last), `deleted` removes (data may be the item or its key), `set` replaces.
 * - latest: the last `max` event payloads, oldest first.
 * - set: every event replaces the value.
 * - presence: who is here, one entry per key; `join` adds or updates, `leave` removes.
 * - cursor: the latest position per key; `move` adds or updates, `leave` removes.
 */
import type { MergeOptions } from '../protocol.js';

/** What identifies `item` under `key`: the field of an object, or a plain value itself (a key sent alone). */
export function keyOf(item: unknown, key: string): unknown {
  return typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : item;
}

function crud(value: unknown, event: string, data: unknown, key: string): unknown {
  const list = Array.isArray(value) ? value : [];
  if (event === 'set') return data;
  const id = keyOf(data, key);
  const index = list.findIndex((item) => keyOf(item, key) === id);
  switch (event) {
    case 'created':
    case 'updated':
    case 'upserted': {
      if (index === -1) return [...list, data];
      const next = list.slice();
      next[index] = data;
      return next;
    }
    case 'deleted':
      return index === -1 ? list : list.filter((_, i) => i !== index);
    default:
      return value;
  }
}

/** A list keyed by `key`: `upsert` events add or replace in place, `remove` events drop; `set` replaces. */
function keyed(value: unknown, event: string, data: unknown, key: string, upsert: string, remove: string): unknown {
  const list = Array.isArray(value) ? value : [];
  if (event === 'set') return data;
  if (event !== upsert && event !== remove) return value;
  const id = keyOf(data, key);
  const index = list.findIndex((item) => keyOf(item, key) === id);
  if (event === remove) return index === -1 ? list : list.filter((_, i) => i !== index);
  if (index === -1) return [...list, data];
  const next = list.slice();
  next[index] = data;
  return next;
}

export function applyEvent(value: unknown, event: string, data: unknown, options: MergeOptions): unknown {
  switch (options.merge) {
    case 'crud':
      return crud(value, event, data, options.key);
    case 'latest': {
      const list = Array.isArray(value) ? value : [];
      const next = [...list, data];
      return next.length > options.max ? next.slice(next.length - options.max) : next;
    }
    case 'set':
      return data;
    case 'presence':
      return keyed(value, event, data, options.key, 'join', 'leave');
    case 'cursor':
      return keyed(value, event, data, options.key, 'move', 'leave');
  }
}
