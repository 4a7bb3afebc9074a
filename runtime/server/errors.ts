/**
 * LiveError: the error a handler throws to send `code` and `message` to the caller.
 * Any other error reaches the caller as `INTERNAL` in production, in full in dev.
 */
const LIVE_ERROR = Symbol.for('svelte-realtime.LiveError');

export class LiveError extends Error {
  readonly [LIVE_ERROR] = true;
  constructor(
    readonly code: string,
    message: string = code,
    /** Machine-readable detail sent to the client as `error.details`. */
    readonly details?: unknown
  ) {
    super(message);
    this.name = 'LiveError';
  }
}

/** Works across copies of this module (a bundled server and the plugin may each hold one). */
export function isLiveError(error: unknown): error is LiveError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[LIVE_ERROR] === true;
}
