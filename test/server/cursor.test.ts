import { afterEach, describe, expect, it, vi } from 'vitest';
import { CursorTracker } from '../../runtime/server/kinds/cursor.js';

afterEach(() => vi.useRealTimers());

describe('CursorTracker', () => {
  it('sends the first move at once, then at most one per window: the last position of a burst', () => {
    vi.useFakeTimers();
    const sent: unknown[] = [];
    const publish = (_topic: string, event: string, data: unknown) => sent.push([event, data]);
    const tracker = new CursorTracker(50, () => Date.now());
    tracker.attach('t', 'ann', publish);
    for (let x = 1; x <= 5; x++) tracker.move('t', 'ann', { x }, publish);
    expect(sent).toEqual([['move', { key: 'ann', data: { x: 1 } }]]);
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([
      ['move', { key: 'ann', data: { x: 1 } }],
      ['move', { key: 'ann', data: { x: 5 } }]
    ]);
    expect(tracker.list('t')).toEqual([{ key: 'ann', data: { x: 5 } }]);
  });

  it('counts a user once across tabs and forgets them (timers included) when the last tab leaves', () => {
    vi.useFakeTimers();
    const sent: unknown[] = [];
    const publish = (_topic: string, event: string, data: unknown) => sent.push([event, data]);
    const tracker = new CursorTracker(50, () => Date.now());
    const tab1 = tracker.attach('t', 'ann', publish);
    const tab2 = tracker.attach('t', 'ann', publish);
    tracker.move('t', 'ann', { x: 1 }, publish);
    tracker.move('t', 'ann', { x: 2 }, publish);
    tab1();
    tab1();
    expect(tracker.size).toBe(1);
    tab2();
    expect(sent.at(-1)).toEqual(['leave', { key: 'ann', data: { x: 1 } }]);
    expect(tracker.size).toBe(0);
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(2);
    expect(tracker.move('t', 'ann', { x: 3 }, publish)).toBe(false);
  });
});
