/**
 * The argument nesting bound takes a fast walk for plain trees and the exact search for the
 * rest: both must give the same answers at the edges.
 */
import { describe, expect, it } from 'vitest';
import { depthExceeds } from '../../runtime/server/limits.js';

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = i % 3 === 0 ? [value] : i % 3 === 1 ? { v: value } : new Map([['k', value]]);
  return value;
}

describe('depthExceeds', () => {
  it('measures plain trees exactly at the limit', () => {
    expect(depthExceeds(nested(8), 8)).toBe(false);
    expect(depthExceeds(nested(9), 8)).toBe(true);
    expect(depthExceeds([1, 'a', null, { a: [true] }], 3)).toBe(false);
    expect(depthExceeds([1, 'a', null, { a: [[]] }], 3)).toBe(true);
    expect(depthExceeds(new Set([new Set([new Set()])]), 2)).toBe(true);
  });

  it('counts a deep path in a wide value, past what the fast walk visits', () => {
    const wide: unknown[] = Array.from({ length: 1000 }, () => ({ a: 1 }));
    expect(depthExceeds(wide, 2)).toBe(false);
    wide[999] = { a: { b: {} } };
    expect(depthExceeds(wide, 3)).toBe(true);
    expect(depthExceeds(wide, 4)).toBe(false);
  });

  it('takes a shared object reached by many paths in linear time', () => {
    // 40 levels, each object referring to the one below twice: 2^40 paths.
    let value: object = {};
    for (let i = 0; i < 40; i++) value = { left: value, right: value };
    expect(depthExceeds(value, 41)).toBe(false);
    expect(depthExceeds(value, 40)).toBe(true);
  });

  it('counts the objects of a cycle once', () => {
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = { a };
    a.b = b;
    expect(depthExceeds([a], 3)).toBe(false);
    expect(depthExceeds([a], 2)).toBe(true);
  });
});
