/**
 * A minimal readable store that follows the Svelte store contract (`$store` works), so the
 * client runtime ships without a dependency on svelte/store.
 */
export type Subscriber<T> = (value: T) => void;
export type Unsubscriber = () => void;

export interface Readable<T> {
  subscribe(run: Subscriber<T>, invalidate?: () => void): Unsubscriber;
}

export interface Signal<T> extends Readable<T> {
  get(): T;
  set(value: T): void;
}

/** A readable's current value, read once (a subscription opened and closed at once). */
export function read<T>(store: Readable<T>): T {
  let value!: T;
  store.subscribe((v) => (value = v))();
  return value;
}

/**
 * `onFirst` runs when the first subscriber arrives and returns what to run when the last one
 * leaves.
 */
export function signal<T>(initial: T, onFirst?: () => () => void): Signal<T> {
  let value = initial;
  let stop: (() => void) | undefined;
  const subscribers = new Set<Subscriber<T>>();
  return {
    get: () => value,
    set(next) {
      if (Object.is(next, value) && (typeof next !== 'object' || next === null)) return;
      value = next;
      for (const run of [...subscribers]) run(value);
    },
    subscribe(run) {
      subscribers.add(run);
      if (subscribers.size === 1 && onFirst) stop = onFirst();
      run(value);
      return () => {
        if (subscribers.delete(run) && subscribers.size === 0 && stop) {
          stop();
          stop = undefined;
        }
      };
    }
  };
}
