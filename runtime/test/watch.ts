/**
 * Stores a test can await: every stream export a test client hands out is one of these. The
 * store is the real client store (the same merge, optimistic updates and resume a page gets);
 * what this adds is a reading position, so `await store.next()` after a call cannot miss an
 * event that arrived before it was awaited.
 */
import type { LiveStore } from '../client/stream.js';
import type { Readable } from '../client/store.js';
import { TestKitError } from './errors.js';

/**
 * The timers of the moment this module loaded: a test that switches to fake timers
 * (`vi.useFakeTimers()`) still gets its `next()` timeouts in real time.
 */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** How long `next()` and `until()` wait by default, in ms. */
export const DEFAULT_WAIT_MS = 2_000;

export interface WaitOptions {
  /** Milliseconds to wait before failing with TestKitError('TIMEOUT'); `Infinity` waits for ever. Default 2000. */
  timeout?: number;
}

/** What a test reads from any store it watches. */
export interface Watched<T> {
  /** The store's value now (undefined until it has loaded). Reading it starts the subscription. */
  readonly value: T | undefined;
  /**
   * The next value the store took that this test has not read yet: the first call gives the
   * loaded value, each later one the value after the next change. Values taken while the test
   * was busy wait in order, so nothing published between two awaits is missed. Rejects with the
   * store's error (a guard's FORBIDDEN, for example) when the server refuses the subscription.
   */
  next(options?: WaitOptions): Promise<T>;
  /**
   * Subscribes, and resolves once the server has answered the subscription: from then on every
   * publish reaches this store. For a channel (it has no init, so no first value to await) before
   * another client publishes to it.
   */
  ready(options?: WaitOptions): Promise<void>;
  /** Reads values (as `next()` does) until one passes `test`, and resolves with it. */
  until(test: (value: T) => boolean, options?: WaitOptions): Promise<T>;
  /** Every value the store has taken since it was first read, oldest first. */
  readonly history: readonly T[];
  /** Values in and out of this stream: `for await (const value of store)`. */
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

/** A stream export in a test: the live store plus the reading helpers. */
export type TestStore<T> = LiveStore<T> & Watched<T>;

interface Reader<T> {
  accept(value: T): boolean;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Adds the reading helpers to `store`. `label` names it in timeouts (`chat/messages`);
 * `error`, when given, is the store's error store (a live stream's), whose value fails readers.
 * `onStop` collects the unsubscribe, for the client's close.
 */
export function watch<S extends Readable<unknown>>(
  store: S,
  label: string,
  onStop: (stop: () => void) => void
): S & Watched<Exclude<S extends Readable<infer V> ? V : never, undefined>> {
  type T = Exclude<S extends Readable<infer V> ? V : never, undefined>;
  const history: T[] = [];
  let read = 0;
  let current: T | undefined;
  let failure: unknown;
  let started = false;
  const readers = new Set<Reader<T>>();

  const start = () => {
    if (started) return;
    started = true;
    onStop(
      store.subscribe((value) => {
        current = value as T | undefined;
        if (value === undefined) return;
        history.push(value as T);
        offer();
      })
    );
    const errors = (store as { error?: Readable<unknown> }).error;
    if (errors) {
      onStop(
        errors.subscribe((error) => {
          if (error === null || error === undefined) return;
          failure = error;
          for (const reader of [...readers]) reader.reject(error);
          readers.clear();
        })
      );
    }
  };

  /** Hands unread values to waiting readers, in order. */
  const offer = () => {
    while (read < history.length && readers.size > 0) {
      const value = history[read++]!;
      for (const reader of [...readers]) {
        if (!reader.accept(value)) continue;
        readers.delete(reader);
        reader.resolve(value);
      }
    }
  };

  const wait = (accept: (value: T) => boolean, what: string, options: WaitOptions = {}): Promise<T> => {
    const timeout = options.timeout ?? DEFAULT_WAIT_MS;
    if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout <= 0) {
      return Promise.reject(new TestKitError('BAD_OPTION', `${label}.${what}({ timeout }): give a number of milliseconds above 0, not ${String(timeout)}`));
    }
    start();
    while (read < history.length) {
      const value = history[read++]!;
      if (accept(value)) return Promise.resolve(value);
    }
    if (failure !== undefined) return Promise.reject(failure);
    return new Promise<T>((resolve, reject) => {
      const timer = timeout === Infinity ? undefined : realSetTimeout(() => {
        readers.delete(reader);
        const last = history.length > 0 ? ` (its last value: ${describe(history[history.length - 1])})` : ' (it never loaded)';
        reject(new TestKitError('TIMEOUT', `${label}.${what}(): no ${what === 'next' ? 'new value' : 'value that passes the test'} within ${timeout} ms${last}`));
      }, timeout);
      const reader: Reader<T> = {
        accept,
        resolve: (value) => {
          realClearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          realClearTimeout(timer);
          reject(error);
        }
      };
      readers.add(reader);
    });
  };

  /** Waits for the store's status to leave `loading`: `ready`, or `error` (rejects with the store's error). */
  const ready = (options: WaitOptions = {}): Promise<void> => {
    const status = (store as { status?: Readable<string> }).status;
    const timeout = options.timeout ?? DEFAULT_WAIT_MS;
    start();
    if (!status) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer =
        timeout === Infinity
          ? undefined
          : realSetTimeout(() => finish(() => reject(new TestKitError('TIMEOUT', `${label}.ready(): the server did not answer the subscription within ${timeout} ms`))), timeout);
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        realClearTimeout(timer);
        queueMicrotask(() => stop());
        settle();
      };
      const stop = status.subscribe((state) => {
        if (state === 'ready') finish(resolve);
        else if (state === 'error') finish(() => reject(failure ?? new TestKitError('CLOSED', `${label}: the subscription failed`)));
      });
    });
  };

  const helpers: Watched<T> = {
    get value() {
      start();
      return current;
    },
    get history() {
      start();
      return history;
    },
    next: (options) => wait(() => true, 'next', options),
    ready,
    until: (test, options) => {
      if (typeof test !== 'function') return Promise.reject(new TestKitError('BAD_OPTION', `${label}.until(test): pass a function of the value`));
      return wait(test, 'until', options);
    },
    [Symbol.asyncIterator]: () => ({ next: async () => ({ done: false, value: await wait(() => true, 'next', { timeout: Infinity }) }) })
  };
  return Object.defineProperties(store, Object.getOwnPropertyDescriptors(helpers)) as S & Watched<T>;
}

/** A value shortened for a message. */
function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
