/**
 * The types of a live module in a test: what `$live/<path>` is typed as in a page (`Client<T>`
 * of each export), with every store made a TestStore. Derived from the module's own type, so a
 * test sees the same signatures a component does.
 */
import type { Client } from '../client/index.js';
import type { LiveStore } from '../client/stream.js';
import type { TestStore } from './watch.js';

/**
 * A store made a TestStore (keeping what else it carries: a channel's `publish`, a presence
 * stream's `watch`, itself a TestStore); a function returning stores returns TestStores.
 */
export type Testable<C> =
  C extends LiveStore<infer V>
    ? TestStore<V> & { [K in Exclude<keyof C, keyof LiveStore<V>>]: Testable<C[K]> }
    : C extends (...args: infer A) => infer R
      ? R extends LiveStore<unknown>
        ? (...args: A) => Testable<R>
        : R extends { readonly data: LiveStore<unknown> }
          ? (...args: A) => { [K in keyof R]: Testable<R[K]> }
          : C
      : C;

/** Exports of `Module` that a page can import (every kind but cron, effect and guard). */
type ClientExports<Module> = { [K in keyof Module as [Client<Module[K]>] extends [never] ? never : K]: Module[K] };

/** A live module as a test client uses it: `client.live(chat).sendMessage('hi')`. */
export type TestModule<Module> = { [K in keyof ClientExports<Module>]: Testable<Client<Module[K & keyof Module]>> };
