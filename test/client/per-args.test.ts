/**
 * The per-argument store cache of dynamic streams, channels and rooms: equal arguments share a
 * store while it is in use, and a store nobody has subscribed to for RELEASE_AFTER ms is let
 * go, so a page that visits 10 000 rooms does not keep 10 000 stores.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { argsKey } from '../../runtime/protocol.js';
import { perArgs, RELEASE_AFTER } from '../../runtime/client/per-args.js';
import { createStream, type LiveStore } from '../../runtime/client/stream.js';
import { __streamFactory } from '../../runtime/client/stubs.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A dynamic stream's factory with its cache in view; no socket (stores still count their subscribers). */
function factory() {
  const made = new Map<string, LiveStore<unknown>>();
  const feed = perArgs((args, use) => createStream(() => null, 'app/feed', args, use), made);
  return { feed, made };
}

describe('per-argument stores', () => {
  it('share one store per argument list while it is in use', () => {
    const { feed } = factory();
    expect(feed('a', 1)).toBe(feed('a', 1));
    expect(feed('a', 1)).not.toBe(feed('a', 2));
  });

  it('10 000 stores subscribed and left are released after the grace period', () => {
    const { feed, made } = factory();
    for (let i = 0; i < 10_000; i++) feed(`room-${i}`).subscribe(() => {})();
    expect(made.size).toBe(10_000);
    vi.advanceTimersByTime(RELEASE_AFTER - 1);
    expect(made.size).toBe(10_000);
    vi.advanceTimersByTime(1);
    expect(made.size).toBe(0);
  });

  it('keep a store that is subscribed, or subscribed again within the grace period', () => {
    const { feed, made } = factory();
    const held = feed('held');
    const stop = held.subscribe(() => {});
    const back = feed('back');
    back.subscribe(() => {})();
    vi.advanceTimersByTime(RELEASE_AFTER / 2);
    const stopBack = back.subscribe(() => {});
    vi.advanceTimersByTime(RELEASE_AFTER * 2);
    expect([...made.keys()].length).toBe(2);
    expect(feed('held')).toBe(held);
    expect(feed('back')).toBe(back);
    stop();
    stopBack();
    vi.advanceTimersByTime(RELEASE_AFTER);
    expect(made.size).toBe(0);
    // The next call makes a fresh store.
    expect(feed('held')).not.toBe(held);
  });

  it('release a store never subscribed, and count every store of a room-like value', () => {
    const made = new Map<string, LiveStore<unknown>[]>();
    const room = perArgs((args, use) => [createStream(() => null, 'app/r', [...args, 'a'], use), createStream(() => null, 'app/r', [...args, 'b'], use)], made);
    room('never');
    const [a, b] = room('busy');
    const stopA = a!.subscribe(() => {});
    const stopB = b!.subscribe(() => {});
    stopA();
    vi.advanceTimersByTime(RELEASE_AFTER * 2);
    // 'never' went; 'busy' still has a subscribed store.
    expect([...made.keys()]).toEqual([argsKey(['busy'])]);
    stopB();
    vi.advanceTimersByTime(RELEASE_AFTER);
    expect(made.size).toBe(0);
  });

  it("apply to a dynamic stream's `$live` export", () => {
    const feed = __streamFactory('app/feed');
    const first = feed('room-1');
    first.subscribe(() => {})();
    expect(feed('room-1')).toBe(first);
    vi.advanceTimersByTime(RELEASE_AFTER);
    expect(feed('room-1')).not.toBe(first);
  });
});
