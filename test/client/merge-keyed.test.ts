/**
 * Keyed merges at scale and feed shapes: a burst folded at once equals the same events one at
 * a time, the key index survives from fold to fold without ever going out of step, and crud
 * `limit` (the stream's `max`) and `prepend` shape a feed.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent, applyEvents, type MergeEvent } from '../../runtime/merge.js';
import type { MergeOptions } from '../../runtime/protocol.js';
import { live } from '../../runtime/server/index.js';

const crud: MergeOptions = { merge: 'crud', key: 'id', max: 50 };
const feed = (limit: number, prepend = true): MergeOptions => ({ ...crud, limit, prepend });

interface Item {
  id: number;
  v: number;
}
const items = (n: number, from = 0): Item[] => Array.from({ length: n }, (_, i) => ({ id: from + i, v: 0 }));

/** The reference: each event in turn, searching the list from the start, as a crud list is defined. */
function oneByOne(value: unknown, events: MergeEvent[], options: MergeOptions): unknown {
  const keyOf = (item: unknown) => (typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[options.key] : item);
  for (const { event, data } of events) {
    if (event === 'set') {
      value = data;
      continue;
    }
    if (!['created', 'updated', 'upserted', 'deleted'].includes(event)) continue;
    let list = Array.isArray(value) ? [...value] : [];
    const index = list.findIndex((item) => keyOf(item) === keyOf(data));
    if (event === 'deleted') {
      if (index !== -1) list.splice(index, 1);
    } else if (index !== -1) list[index] = data;
    else if (options.prepend) list.unshift(data);
    else list.push(data);
    if (options.limit !== undefined && list.length > options.limit) list = options.prepend ? list.slice(0, options.limit) : list.slice(list.length - options.limit);
    value = list;
  }
  return value;
}

/** A seeded pseudo-random source, so a failure is reproducible. */
function random(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('applyEvents: a burst in one fold', () => {
  it('equals the events one at a time, over random bursts of every kind', () => {
    const next = random(7);
    for (const options of [crud, feed(40), feed(40, false), { ...crud, prepend: true }]) {
      let batched: unknown = items(30);
      let single: unknown = items(30);
      for (let round = 0; round < 60; round++) {
        const events: MergeEvent[] = [];
        for (let i = 0; i < 1 + Math.floor(next() * 20); i++) {
          const id = Math.floor(next() * 60);
          const pick = next();
          if (pick < 0.4) events.push({ event: 'updated', data: { id, v: round } });
          else if (pick < 0.7) events.push({ event: 'created', data: { id, v: round } });
          else if (pick < 0.9) events.push({ event: 'deleted', data: next() < 0.5 ? id : { id } });
          else if (pick < 0.95) events.push({ event: 'renamed', data: { id } });
          else events.push({ event: 'set', data: items(5, round * 100) });
        }
        const before = structuredClone(batched);
        const result = applyEvents(batched, events, options);
        expect(batched).toEqual(before);
        single = oneByOne(single, events, options);
        expect(result).toEqual(single);
        batched = result;
      }
    }
  });

  it('folds 1 000 updates into a 1 000-item list with one copy, leaving the old list as it was', () => {
    const list = items(1000);
    const events = list.map((item) => ({ event: 'updated', data: { id: item.id, v: 1 } }));
    const next = applyEvents(list, events, crud) as Item[];
    expect(next).toHaveLength(1000);
    expect(next.every((item, i) => item.id === i && item.v === 1)).toBe(true);
    expect(list.every((item) => item.v === 0)).toBe(true);
  });

  it('keeps the first of two items with the same key as the one updated and deleted', () => {
    const list = [{ id: 1, v: 0 }, { id: 1, v: 1 }, { id: 2, v: 0 }];
    expect(applyEvent(list, 'updated', { id: 1, v: 9 }, crud)).toEqual([{ id: 1, v: 9 }, { id: 1, v: 1 }, { id: 2, v: 0 }]);
    const once = applyEvent(list, 'deleted', 1, crud);
    expect(once).toEqual([{ id: 1, v: 1 }, { id: 2, v: 0 }]);
    expect(applyEvent(once, 'updated', { id: 1, v: 5 }, crud)).toEqual([{ id: 1, v: 5 }, { id: 2, v: 0 }]);
  });

  it('stays right when app code changes a folded list in place (hostile: sort, push, splice)', () => {
    const first = applyEvent(items(10), 'updated', { id: 3, v: 1 }, crud) as Item[];
    first.reverse();
    expect((applyEvent(first, 'updated', { id: 3, v: 2 }, crud) as Item[]).filter((i) => i.id === 3)).toEqual([{ id: 3, v: 2 }]);
    const second = applyEvent(items(10), 'updated', { id: 0, v: 1 }, crud) as Item[];
    second.push({ id: 42, v: 0 });
    const pushed = applyEvent(second, 'updated', { id: 42, v: 7 }, crud) as Item[];
    expect(pushed.filter((i) => i.id === 42)).toEqual([{ id: 42, v: 7 }]);
    const third = applyEvent(items(10), 'updated', { id: 0, v: 1 }, crud) as Item[];
    third.splice(5, 1, { id: 99, v: 0 });
    const spliced = applyEvent(third, 'deleted', 5, crud) as Item[];
    expect(spliced).toHaveLength(10);
    expect(applyEvent(spliced, 'updated', { id: 99, v: 3 }, crud)).toContainEqual({ id: 99, v: 3 });
  });

  it('folds latest and set bursts as the single events would', () => {
    const latest: MergeOptions = { merge: 'latest', key: 'id', max: 3 };
    const burst = [1, 2, 3, 4, 5].map((n) => ({ event: 'created', data: n }));
    expect(applyEvents([0], burst, latest)).toEqual([3, 4, 5]);
    expect(applyEvents([0], burst, { ...latest, prepend: true })).toEqual([5, 4, 3]);
    expect(applyEvents('a', [{ event: 'x', data: 'b' }, { event: 'y', data: 'c' }], { merge: 'set', key: 'id', max: 50 })).toBe('c');
    expect(applyEvents('a', [], { merge: 'set', key: 'id', max: 50 })).toBe('a');
  });
});

describe('crud feeds: max and prepend', () => {
  it('puts new items first with prepend and drops the oldest from the end past max', () => {
    let list: unknown = [{ id: 1 }, { id: 2 }];
    for (const id of [3, 4, 5]) list = applyEvent(list, 'created', { id }, feed(3));
    expect(list).toEqual([{ id: 5 }, { id: 4 }, { id: 3 }]);
    expect(applyEvent(list, 'updated', { id: 4, v: 1 }, feed(3))).toEqual([{ id: 5 }, { id: 4, v: 1 }, { id: 3 }]);
  });

  it('appends and drops from the front without prepend', () => {
    const list = applyEvents([{ id: 1 }, { id: 2 }], [3, 4].map((id) => ({ event: 'created', data: { id } })), feed(3, false));
    expect(list).toEqual([{ id: 2 }, { id: 3 }, { id: 4 }]);
    expect(applyEvent(list, 'updated', { id: 2, v: 1 }, feed(3, false))).toEqual([{ id: 2, v: 1 }, { id: 3 }, { id: 4 }]);
  });

  it('trims an init longer than max at the first event, and a dropped item comes back as new', () => {
    const trimmed = applyEvent(items(10), 'created', { id: 10, v: 0 }, feed(4)) as Item[];
    expect(trimmed.map((i) => i.id)).toEqual([10, 0, 1, 2]);
    const again = applyEvent(trimmed, 'updated', { id: 9, v: 1 }, feed(4)) as Item[];
    expect(again.map((i) => i.id)).toEqual([9, 10, 0, 1]);
  });

  it('is set from live.stream options, and refuses what cannot work', () => {
    expect(live.stream('feed', () => [], { merge: 'crud', max: 100, prepend: true }).options).toMatchObject({ merge: 'crud', limit: 100, prepend: true });
    expect(live.stream('todos', () => []).options).not.toHaveProperty('limit');
    expect(live.stream('log', () => [], { merge: 'latest', prepend: true }).options).toMatchObject({ merge: 'latest', max: 50, prepend: true });
    expect(() => live.stream('feed', () => ({ items: [], next: null }), { max: 10, paginate: true })).toThrow(/paginated crud stream takes no max/);
    expect(() => live.stream('feed', () => null, { merge: 'set', prepend: true })).toThrow(/prepend is for crud and latest/);
    expect(() => live.stream('feed', () => [], { prepend: 'yes' as never })).toThrow(/prepend must be true or false/);
    expect(() => live.stream('feed', () => [], { max: 0 })).toThrow(/max must be a positive integer/);
  });

  it("is taken by a room's data, as by a stream", () => {
    expect(live.room({ init: () => [], max: 20, prepend: true }).options).toMatchObject({ merge: 'crud', limit: 20, prepend: true });
    expect(live.room({ init: () => [] }).options).not.toHaveProperty('limit');
    expect(() => live.room({ init: () => null, merge: 'set', prepend: true })).toThrow(/live.room: prepend is for crud and latest/);
  });
});
