/**
 * One value per distinct argument list, for dynamic streams, channels and rooms: equal
 * arguments share a store and its subscription. A value none of whose stores has had a
 * subscriber for RELEASE_AFTER ms is let go, so a page that visits many rooms does not keep
 * every room's store for its whole life; the next call with those arguments makes a fresh one.
 * Arguments JSON cannot carry exactly (a Date, a Map...) get a fresh value on each call.
 *
 * One timer per cache sweeps the idle values, oldest first, rather than one timer per value.
 */
import { argsKey } from '../protocol.js';

/** How long a value with no subscribers stays shared, in ms. */
export const RELEASE_AFTER = 30_000;

/** Counts subscribers: +1 when one of the value's stores gains its first, -1 when it loses its last. */
export type Use = (delta: number) => void;

interface Slot<T> {
  key: string;
  value: T;
  users: number;
  /** When the value last lost its last subscriber (or was made), in ms. */
  idleSince: number;
}

/** `made` is the cache (a test passes its own to watch it). */
export function perArgs<T>(create: (args: unknown[], use?: Use) => T, made = new Map<string, T>()): (...args: unknown[]) => T {
  /** Values with no subscribers, the longest idle first. */
  const idle = new Set<Slot<T>>();
  let sweeping = false;
  const sweep = () => {
    sweeping = false;
    const now = Date.now();
    for (const slot of idle) {
      const left = slot.idleSince + RELEASE_AFTER - now;
      if (left > 0) return arm(left);
      idle.delete(slot);
      // A value already replaced under its key (released, then made again) is not the cache's.
      if (made.get(slot.key) === slot.value) made.delete(slot.key);
    }
  };
  const arm = (delay: number) => {
    if (sweeping) return;
    sweeping = true;
    setTimeout(sweep, delay);
  };
  const rest = (slot: Slot<T>) => {
    slot.idleSince = Date.now();
    idle.delete(slot);
    idle.add(slot);
    arm(RELEASE_AFTER);
  };
  return (...args) => {
    const key = argsKey(args);
    if (key === undefined) return create(args);
    const cached = made.get(key);
    if (cached !== undefined) return cached;
    const slot = { key, users: 0, idleSince: 0 } as Slot<T>;
    slot.value = create(args, (delta) => {
      slot.users += delta;
      if (slot.users === 0) rest(slot);
      else idle.delete(slot);
    });
    made.set(key, slot.value);
    rest(slot);
    return slot.value;
  };
}
