/**
 * The tag every handler object carries: `handler[HANDLER]` is its kind (see runtime/kinds.ts).
 * A leaf module, so the kinds' constructors (kinds/*), the registry and the dispatcher read and
 * set it without importing one another.
 */
import type { HandlerKind } from '../kinds.js';

export const HANDLER = Symbol.for('svelte-realtime.handler');

/** The kind of a handler object; undefined for any other value. */
export function handlerKind(value: unknown): HandlerKind | undefined {
  if ((typeof value === 'object' || typeof value === 'function') && value !== null) {
    return (value as { [HANDLER]?: HandlerKind })[HANDLER];
  }
  return undefined;
}

/** Throws the TypeError every handler constructor gives for a value that is not a function. */
export function requireFunction(value: unknown, what: string): void {
  if (typeof value !== 'function') throw new TypeError(`${what} must be a function; got ${typeof value}`);
}
