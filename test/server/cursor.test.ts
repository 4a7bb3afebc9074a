import { afterEach, describe, expect, it, vi } from 'vitest';
import { CursorTracker } from '../../runtime/server/kinds/cursor.js';
import { applyEvent } from '../../runtime/merge.js';

afterEach(() => vi.useRealTimers());

function recorder() {
  const sent: [string, unknown][] = [];
  return { sent, publish: (_topic: string, event: string, data: unknown) => void sent.push([event, data]) };
}

describe('CursorTracker', () => {
  it('sends one frame per tick per topic, carrying every cursor that moved at its last position', () => {
    vi.useFakeTimers();
    const { sent, publish } = recorder();
    const tracker = new CursorTracker(50, () => Date.now());
    tracker.attach('t', 'ann', publish);
    tracker.attach('t', 'bob', publish, { name: 'Bob' });
    for (let x = 1; x <= 5; x++) tracker.move('t', 'ann', { x }, publish);
    tracker.move('t', 'bob', { x: 9 }, publish);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(sent).toEqual([
      [
        'moves',
        [
          { key: 'ann', data: { x: 5 } },
          { key: 'bob', data: { x: 9 }, user: { name: 'Bob' } }
        ]
      ]
    ]);
    // Within the tick: held, then sent together at its end.
    tracker.move('t', 'ann', { x: 6 }, publish);
    tracker.move('t', 'ann', { x: 7 }, publish);
    vi.advanceTimersByTime(49);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent[1]).toEqual(['moves', [{ key: 'ann', data: { x: 7 } }]]);
    expect(tracker.list('t')).toEqual([
      { key: 'ann', data: { x: 7 } },
      { key: 'bob', data: { x: 9 }, user: { name: 'Bob' } }
    ]);
  });

  it('counts a user once across tabs and forgets them (timers included) when the last tab leaves', () => {
    vi.useFakeTimers();
    const { sent, publish } = recorder();
    const tracker = new CursorTracker(50, () => Date.now());
    const tab1 = tracker.attach('t', 'ann', publish);
    const tab2 = tracker.attach('t', 'ann', publish);
    tracker.move('t', 'ann', { x: 1 }, publish);
    vi.advanceTimersByTime(0);
    tracker.move('t', 'ann', { x: 2 }, publish);
    tab1();
    tab1();
    expect(tracker.size).toBe(1);
    tab2();
    expect(sent.at(-1)).toEqual(['leave', { key: 'ann', data: { x: 2 } }]);
    expect(tracker.size).toBe(0);
    vi.advanceTimersByTime(100);
    expect(sent.map(([event]) => event)).toEqual(['moves', 'leave']);
    expect(tracker.move('t', 'ann', { x: 3 }, publish)).toBe(false);
  });

  it('sends no leave for a cursor that never reached a frame', () => {
    vi.useFakeTimers();
    const { sent, publish } = recorder();
    const tracker = new CursorTracker(50, () => Date.now());
    const leave = tracker.attach('t', 'ann', publish);
    tracker.move('t', 'ann', { x: 1 }, publish);
    leave();
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([]);
  });
});

describe("the cursor merge's moves frame", () => {
  it('updates in place and appends new keys in one pass, leaving the old list untouched', () => {
    const options = { merge: 'cursor' as const, key: 'key', max: 50 };
    const before = [
      { key: 'a', data: 1 },
      { key: 'b', data: 2 }
    ];
    const after = applyEvent(before, 'moves', [
      { key: 'b', data: 3 },
      { key: 'c', data: 4 },
      { key: 'c', data: 5 }
    ], options);
    expect(after).toEqual([
      { key: 'a', data: 1 },
      { key: 'b', data: 3 },
      { key: 'c', data: 5 }
    ]);
    expect(before[1]!.data).toBe(2);
    expect(applyEvent(after, 'leave', { key: 'a' }, options)).toEqual([
      { key: 'b', data: 3 },
      { key: 'c', data: 5 }
    ]);
  });
});
