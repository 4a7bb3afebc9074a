/**
 * `ctx.throttle(...)` and `ctx.debounce(...)`: publishes for hot data, such as a note dragged
 * across a board, paced so subscribers get a steady stream instead of every mouse move.
 *
 * Both are keyed by topic, event and the item's key (`data.id`, or `data` itself when it is a
 * string or a number), so two notes dragged at once are paced apart, and every caller pacing
 * the same key shares one pace (two users dragging one note). The last data always wins and is
 * always published: nothing is lost but the moves in between.
 *
 * - throttle: the first publish goes out at once; later ones within `ms` are held, and the
 *   latest of them goes out when the `ms` since the last one have passed.
 * - debounce: a publish goes out once `ms` have passed with no newer one for its key.
 *
 * Bounded: at most `MAX_PACED` keys wait at once; past that a publish goes out at once.
 */
import type { LiveContext } from './context.js';

/** Keys held at once, over every topic; past it, publishes are not paced. */
export const MAX_PACED = 10_000;
/** Longest pace, in ms. */
export const MAX_PACE_MS = 60_000;

type Publish = (topic: string, event: string, data: unknown) => void;

interface Paced {
  /** What waits to go out, and with which publish (the latest caller's). */
  pending: { data: unknown; publish: Publish } | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class PublishPacing {
  private readonly paced = new Map<string, Paced>();

  throttle(publish: Publish, topic: string, event: string, data: unknown, ms: number): void {
    check('throttle', topic, event, ms);
    const key = keyOf(topic, event, data);
    const entry = this.paced.get(key);
    if (!entry) {
      publish(topic, event, data);
      if (this.paced.size < MAX_PACED) this.paced.set(key, this.hold(key, topic, event, ms));
      return;
    }
    entry.pending = { data, publish };
  }

  debounce(publish: Publish, topic: string, event: string, data: unknown, ms: number): void {
    check('debounce', topic, event, ms);
    const key = keyOf(topic, event, data);
    const entry = this.paced.get(key);
    if (entry) clearTimeout(entry.timer);
    else if (this.paced.size >= MAX_PACED) return publish(topic, event, data);
    const next: Paced = entry ?? { pending: undefined, timer: undefined };
    next.pending = { data, publish };
    next.timer = setTimeout(() => {
      this.paced.delete(key);
      next.pending?.publish(topic, event, next.pending.data);
    }, ms);
    next.timer.unref?.();
    this.paced.set(key, next);
  }

  /** Drops what waits (the server is stopping). */
  clear(): void {
    for (const entry of this.paced.values()) clearTimeout(entry.timer);
    this.paced.clear();
  }

  /** A throttle window for `key`: at its end, the latest held publish goes out and a new window starts. */
  private hold(key: string, topic: string, event: string, ms: number): Paced {
    const entry: Paced = { pending: undefined, timer: undefined };
    const tick = () => {
      const pending = entry.pending;
      if (!pending) {
        this.paced.delete(key);
        return;
      }
      entry.pending = undefined;
      pending.publish(topic, event, pending.data);
      entry.timer = setTimeout(tick, ms);
      entry.timer.unref?.();
    };
    entry.timer = setTimeout(tick, ms);
    entry.timer.unref?.();
    return entry;
  }
}

/** The paced key of a publish: its topic, event and item. */
function keyOf(topic: string, event: string, data: unknown): string {
  const item = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : data;
  const id = typeof item === 'string' || typeof item === 'number' ? String(item) : '';
  return `${topic}\0${event}\0${id}`;
}

function check(what: string, topic: string, event: string, ms: number): void {
  if (typeof topic !== 'string' || typeof event !== 'string') throw new TypeError(`ctx.${what}(topic, event, data, ms): topic and event must be strings`);
  if (!(typeof ms === 'number' && ms > 0 && ms <= MAX_PACE_MS)) {
    throw new TypeError(`ctx.${what}(topic, event, data, ms): ms must be a number of ms above 0 and at most ${MAX_PACE_MS}; got ${String(ms)}`);
  }
}

/** The ctx methods over a ctx's own publish. */
export function pacingVia(pacing: PublishPacing, publish: LiveContext['publish']): Pick<LiveContext, 'throttle' | 'debounce'> {
  return {
    throttle: (topic, event, data, ms) => pacing.throttle(publish, topic, event, data, ms),
    debounce: (topic, event, data, ms) => pacing.debounce(publish, topic, event, data, ms)
  };
}
