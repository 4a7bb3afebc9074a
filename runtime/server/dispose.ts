/**
 * `onDispose(fn)`: cleanup for what a live module starts at its top level (an interval, a
 * client connection), run when that module is replaced by a reload in `vite dev` and when the
 * server shuts down.
 *
 * In dev the plugin imports each live module inside its own scope (`withDisposeScope`), so a
 * cleanup belongs to the module whose evaluation registered it, even across `await`s. Outside
 * any scope (a production server, a module loaded by something else) it runs at shutdown.
 * The scope store lives on `globalThis`, so every copy of this package shares it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type Cleanup = () => unknown;

interface DisposeState {
  storage: AsyncLocalStorage<Cleanup[]>;
  /** Cleanups registered outside any scope: they run at shutdown. */
  unscoped: Cleanup[];
}

const KEY = Symbol.for('svelte-realtime.dispose');

function state(): DisposeState {
  const scope = globalThis as { [KEY]?: DisposeState };
  return (scope[KEY] ??= { storage: new AsyncLocalStorage(), unscoped: [] });
}

/**
 * Runs `fn` when the calling live module is replaced by a reload (dev) or the server shuts
 * down. `fn` may return a promise; errors are logged and never stop the reload.
 *
 *   const timer = setInterval(poll, 1000);
 *   onDispose(() => clearInterval(timer));
 */
export function onDispose(fn: Cleanup): void {
  if (typeof fn !== 'function') throw new TypeError(`onDispose(fn): fn must be a function; got ${typeof fn}`);
  const current = state().storage.getStore();
  (current ?? state().unscoped).push(fn);
}

/**
 * Runs `fn` (importing a module) with `cleanups` as the scope `onDispose` adds to. Pass your
 * own array to keep what was registered even when `fn` throws halfway.
 */
export async function withDisposeScope<T>(fn: () => Promise<T>, cleanups: Cleanup[] = []): Promise<{ result: T; cleanups: Cleanup[] }> {
  const result = await state().storage.run(cleanups, fn);
  return { result, cleanups };
}

/** The cleanups registered outside any scope, handed over once (the runtime runs them at shutdown). */
export function takeUnscopedCleanups(): Cleanup[] {
  const s = state();
  const taken = s.unscoped;
  s.unscoped = [];
  return taken;
}

/**
 * Runs cleanups newest first; each error goes to `report` and the rest still run. Resolves when
 * every cleanup that returned a promise has settled.
 */
export async function runCleanups(cleanups: readonly Cleanup[], report: (error: unknown) => void): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (const cleanup of [...cleanups].reverse()) {
    try {
      const result = cleanup();
      if (result instanceof Promise) pending.push(result.catch(report));
    } catch (error) {
      report(error);
    }
  }
  await Promise.all(pending);
}
