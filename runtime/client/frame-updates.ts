/**
 * Store updates paced to the screen. A stream store that receives events queues them and asks
 * for an update here; once per animation frame every store with events waiting folds them in
 * one pass (one copy of a keyed list for the whole burst), and only then are the stores'
 * subscribers told, all together: a page never sees one store updated and another of the same
 * frame (a `ctx.batch`) not yet.
 *
 * When updates run:
 * - `frame` (the default): at the next animation frame; a hidden tab runs no animation frames,
 *   so a timer stands in (FALLBACK_MS, as slow as the browser lets a hidden tab's timers be);
 *   where there are no animation frames (server, Node, tests) at the end of the current task;
 * - `microtask`: at the end of the current task, whatever the page;
 * - `sync`: at once, one update per event (for a subscriber that must see every intermediate
 *   value).
 *
 * Whatever the mode, a store read through `subscribe` (`get(store)`, a new `$store`), its
 * `optimistic`, and the DevTools' reads fold what waits first, so nobody reads a stale value.
 */

/** When stream stores apply the events they receive (see the file's comment). */
export type StoreUpdates = 'frame' | 'microtask' | 'sync';

/** The modes `configure({ updates })` takes. */
export const STORE_UPDATES: readonly StoreUpdates[] = ['frame', 'microtask', 'sync'];

/**
 * A store with events waiting: `fold` takes them into its value silently, `show` tells its
 * subscribers (and does nothing when nothing was folded since the last time).
 */
export interface PendingUpdate {
  fold(): void;
  show(): void;
}

/** Longest wait for an update when no animation frame comes (a hidden tab), in ms. */
export const FALLBACK_MS = 100;

let mode: StoreUpdates = 'frame';
const due = new Set<PendingUpdate>();
/** True while a run of the due updates is scheduled. */
let scheduled = false;
let frame: number | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
const resolved = Promise.resolve();

/** Sets when stores apply events (checked by `configure`); what waits is applied now. */
export function setStoreUpdates(next: StoreUpdates): void {
  mode = next;
  runDue();
}

/** Asks for `update` to run with the next batch of updates (or now, in `sync` mode). */
export function requestUpdate(update: PendingUpdate): void {
  due.add(update);
  if (mode === 'sync') return runNow(update);
  if (scheduled) return;
  scheduled = true;
  if (mode === 'frame' && typeof requestAnimationFrame === 'function') {
    frame = requestAnimationFrame(runDue);
    timer = setTimeout(runDue, FALLBACK_MS);
  } else resolved.then(runDue);
}

/**
 * Runs `update` now if it waits, or shows it if it is folded and not yet shown (a subscriber of
 * another store of the same frame reads it): a read never sees a stale value.
 */
export function runNow(update: PendingUpdate): void {
  if (due.delete(update)) update.fold();
  update.show();
}

/** Forgets `update` without running it (its events were superseded by a snapshot). */
export function cancelUpdate(update: PendingUpdate): void {
  due.delete(update);
}

/** Folds every waiting store, then tells their subscribers, in the order the stores asked. */
function runDue(): void {
  if (frame !== undefined) cancelAnimationFrame(frame);
  clearTimeout(timer);
  frame = undefined;
  scheduled = false;
  const updates = [...due];
  due.clear();
  for (const update of updates) update.fold();
  // A subscriber that throws must not keep the other stores from showing their value.
  let failure: { error: unknown } | undefined;
  for (const update of updates) {
    try {
      update.show();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}
