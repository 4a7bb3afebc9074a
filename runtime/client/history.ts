/**
 * `history(store, { apply })`: undo and redo for a crud stream store.
 *
 * A change made through the history is shown at once (the store's `optimistic`), sent to the
 * server with the app's `apply(event, item)`, and recorded with what it replaced, read from the
 * store's value at that moment. Undo applies the reverse through the same `apply` (an update
 * puts the previous version back, a create deletes, a delete creates the item again), redo
 * applies the change again; both are shown at once and rolled back if the server refuses.
 * Changes run one at a time, in the order they were asked for.
 *
 * Other users' changes are never undone: only what this page did through the history is
 * recorded. Undoing an update puts back the version this page replaced, over whatever another
 * user wrote since (last writer wins), as any shared editor does.
 */
import type { LiveStore } from './stream.js';
import { RpcError } from './rpc-error.js';
import { read, signal, type Readable } from './store.js';

export type HistoryEvent = 'created' | 'updated' | 'deleted';

export interface HistoryOptions<T> {
  /**
   * Applies one change on the server: a live function taking the event and the item (for
   * `deleted`, the item that goes). It may return the item as stored (a server-made id): the
   * history then reverses that one. Throw a LiveError to refuse; the change is rolled back.
   */
  apply: (event: HistoryEvent, item: T) => Promise<unknown>;
  /** The field that identifies an item, as the stream's `key`. Default `id`. */
  key?: string;
  /** Changes kept for undo; the oldest go first. Default 100. */
  limit?: number;
}

export interface HistoryState {
  canUndo: boolean;
  canRedo: boolean;
  /** While paused, changes are applied but not recorded. */
  paused: boolean;
  /** A change, undo or redo is on its way to the server. */
  busy: boolean;
}

export interface History<T> extends Readable<HistoryState> {
  /** Applies `event` with `item` (shown at once, sent with `apply`) and records it for undo. */
  change(event: HistoryEvent, item: T): Promise<void>;
  /** Reverses the last recorded change; resolves false when there was none. */
  undo(): Promise<boolean>;
  /** Applies the last undone change again; resolves false when there was none. */
  redo(): Promise<boolean>;
  pause(): void;
  resume(): void;
  /** Forgets every recorded change. */
  clear(): void;
  /**
   * A keydown handler for the page: Ctrl+Z (⌘Z) undoes, Ctrl+Shift+Z (⌘⇧Z) and Ctrl+Y redo.
   * Keys typed in a text field are left to the field's own undo.
   *
   *   <svelte:window onkeydown={edits.onkeydown} />
   */
  onkeydown(event: KeyboardEvent): void;
}

interface Entry<T> {
  event: HistoryEvent;
  /** The item as the change left it (for `deleted`, the item that went). */
  item: T;
  /** What an update replaced. */
  before: T | undefined;
}

const DEFAULT_LIMIT = 100;

export function history<T extends object>(store: LiveStore<T[]>, options: HistoryOptions<T>): History<T> {
  const { apply } = options;
  const key = options.key ?? 'id';
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (typeof apply !== 'function') throw new RpcError('INVALID_OPTION', 'history(store, { apply }): apply must be the live function that applies a change on the server');
  if (!Number.isInteger(limit) || limit < 1) throw new RpcError('INVALID_OPTION', `history(): limit must be a positive integer; got ${String(limit)}`);
  const done: Entry<T>[] = [];
  const undone: Entry<T>[] = [];
  let paused = false;
  let running = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const state = signal<HistoryState>(snapshot());

  function snapshot(): HistoryState {
    return { canUndo: done.length > 0, canRedo: undone.length > 0, paused, busy: running > 0 };
  }
  const update = () => state.set(snapshot());

  const idOf = (item: T) => (item as Record<string, unknown>)[key];
  function current(id: unknown): T | undefined {
    return read(store)?.find((item) => idOf(item) === id);
  }

  /** Shows `event` at once, applies it on the server, and returns the item as stored. */
  async function send(event: HistoryEvent, item: T): Promise<T> {
    const rollback = store.optimistic(event, item);
    try {
      const answer = await apply(event, item);
      const stored = typeof answer === 'object' && answer !== null && idOf(answer as T) !== undefined ? (answer as T) : item;
      // Stored under another key (a server-made id): the server's event cannot settle the
      // change shown under the old one, so it goes now.
      if (idOf(stored) !== idOf(item)) rollback();
      return stored;
    } catch (error) {
      rollback();
      throw error;
    }
  }

  /** Runs `task` after every change asked for before it. */
  function inTurn<R>(task: () => Promise<R>): Promise<R> {
    running++;
    update();
    const result = queue.then(task);
    queue = result.then(
      () => {},
      () => {}
    );
    return result.finally(() => {
      running--;
      update();
    });
  }

  const edits: History<T> = {
    subscribe: state.subscribe,
    change(event, item) {
      return inTurn(async () => {
        const before = event === 'created' ? undefined : current(idOf(item));
        const stored = await send(event, event === 'deleted' ? (before ?? item) : item);
        if (paused) return;
        done.push({ event, item: stored, before });
        if (done.length > limit) done.shift();
        undone.length = 0;
      });
    },
    undo() {
      return inTurn(async () => {
        const entry = done.at(-1);
        if (!entry) return false;
        if (entry.event === 'created') await send('deleted', entry.item);
        else if (entry.event === 'updated') await send('updated', entry.before ?? entry.item);
        else entry.item = await send('created', entry.item);
        undone.push(done.pop()!);
        return true;
      });
    },
    redo() {
      return inTurn(async () => {
        const entry = undone.at(-1);
        if (!entry) return false;
        if (entry.event === 'created') entry.item = await send('created', entry.item);
        else await send(entry.event, entry.item);
        done.push(undone.pop()!);
        return true;
      });
    },
    pause() {
      paused = true;
      update();
    },
    resume() {
      paused = false;
      update();
    },
    clear() {
      done.length = undone.length = 0;
      update();
    },
    onkeydown(event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || isTextField(event.target)) return;
      const letter = event.key.toLowerCase();
      const redo = (letter === 'z' && event.shiftKey) || (letter === 'y' && !event.shiftKey);
      if (letter !== 'z' && !redo) return;
      event.preventDefault();
      (redo ? edits.redo() : edits.undo()).catch((error: unknown) => console.error('[svelte-realtime] history:', error));
    }
  };
  return edits;
}

/** Whether keys typed in `target` belong to a text field's own undo. */
function isTextField(target: EventTarget | null): boolean {
  const element = target as { tagName?: string; isContentEditable?: boolean; type?: string } | null;
  if (!element) return false;
  if (element.isContentEditable) return true;
  if (element.tagName === 'TEXTAREA') return true;
  return element.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(element.type ?? 'text');
}
