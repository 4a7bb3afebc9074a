import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../runtime/merge.js';
import type { MergeOptions } from '../../runtime/protocol.js';

const crud: MergeOptions = { merge: 'crud', key: 'id', max: 50 };
const latest = (max: number): MergeOptions => ({ merge: 'latest', key: 'id', max });
const set: MergeOptions = { merge: 'set', key: 'id', max: 50 };

/** Applies events in order, checking each step leaves the previous value untouched. */
function fold(value: unknown, options: MergeOptions, events: [string, unknown][]): unknown {
  for (const [event, data] of events) {
    const before = structuredClone(value);
    const next = applyEvent(value, event, data, options);
    expect(value).toEqual(before);
    value = next;
  }
  return value;
}

describe('crud', () => {
  const start = [
    { id: 1, text: 'a' },
    { id: 2, text: 'b' },
    { id: 3, text: 'c' }
  ];

  it('appends created items, in order', () => {
    expect(fold(start, crud, [['created', { id: 4, text: 'd' }], ['created', { id: 5, text: 'e' }]])).toEqual([
      ...start,
      { id: 4, text: 'd' },
      { id: 5, text: 'e' }
    ]);
  });

  it('updates in place, keeping the order', () => {
    expect(fold(start, crud, [['updated', { id: 2, text: 'B' }]])).toEqual([
      { id: 1, text: 'a' },
      { id: 2, text: 'B' },
      { id: 3, text: 'c' }
    ]);
  });

  it('upserts: created for a known key replaces, updated for an unknown key appends', () => {
    expect(fold(start, crud, [['created', { id: 1, text: 'A' }], ['updated', { id: 9, text: 'z' }], ['upserted', { id: 3, text: 'C' }]])).toEqual([
      { id: 1, text: 'A' },
      { id: 2, text: 'b' },
      { id: 3, text: 'C' },
      { id: 9, text: 'z' }
    ]);
  });

  it('deletes by item or by key, and ignores an unknown key', () => {
    expect(fold(start, crud, [['deleted', { id: 2 }]])).toEqual([start[0], start[2]]);
    expect(fold(start, crud, [['deleted', 3]])).toEqual([start[0], start[1]]);
    expect(fold(start, crud, [['deleted', 42]])).toEqual(start);
  });

  it('uses the configured key', () => {
    const bySlug: MergeOptions = { ...crud, key: 'slug' };
    const pages = [{ slug: 'home', title: 'Home' }, { slug: 'about', title: 'About' }];
    expect(fold(pages, bySlug, [['updated', { slug: 'home', title: 'Start' }], ['deleted', 'about']])).toEqual([{ slug: 'home', title: 'Start' }]);
  });

  it('replaces the list on set, ignores unknown events, and starts from an empty list', () => {
    expect(fold(start, crud, [['set', [{ id: 7 }]]])).toEqual([{ id: 7 }]);
    expect(applyEvent(start, 'renamed', { id: 1 }, crud)).toBe(start);
    expect(applyEvent(undefined, 'created', { id: 1 }, crud)).toEqual([{ id: 1 }]);
  });

  it('matches keys by identity of value, not by type coercion', () => {
    expect(fold([{ id: 1 }], crud, [['created', { id: '1' }]])).toEqual([{ id: 1 }, { id: '1' }]);
  });
});

describe('latest', () => {
  it('keeps the last max payloads, oldest first', () => {
    const events: [string, unknown][] = [1, 2, 3, 4, 5].map((n) => ['created', n]);
    expect(fold([], latest(3), events)).toEqual([3, 4, 5]);
    expect(fold([], latest(10), events)).toEqual([1, 2, 3, 4, 5]);
  });

  it('trims an initial value longer than max on the next event, and starts from an empty list', () => {
    expect(applyEvent([1, 2, 3, 4], 'created', 5, latest(2))).toEqual([4, 5]);
    expect(applyEvent(undefined, 'anything', 'x', latest(2))).toEqual(['x']);
  });
});

describe('set', () => {
  it('replaces the value with every event, whatever its name', () => {
    expect(fold({ count: 1 }, set, [['updated', { count: 2 }], ['whatever', { count: 3 }]])).toEqual({ count: 3 });
    expect(applyEvent({ count: 1 }, 'cleared', undefined, set)).toBeUndefined();
  });
});
