/**
 * `handleError` in `src/hooks.ws.ts`: where every unexpected error goes, the way SvelteKit's
 * `handleError` receives every unexpected error of a request.
 *
 *   export const handleError: HandleError = ({ error, event }) => {
 *     const id = crypto.randomUUID();
 *     Sentry.captureException(error, { extra: { id, ...event } });
 *     return { message: 'Something went wrong', id };   // what the caller sees
 *   };
 *
 * Unexpected means anything but a LiveError (which a handler throws on purpose, and which goes
 * to the caller as it is). Each such error reaches it once: a failed call or subscription, a
 * cron run, an effect, a derived recompute, an aggregate's reducer, a room hook, a throwing
 * hooks.ws hook. The server log keeps printing it too (with repeats counted, see error-log.ts).
 */
import type { Awaitable } from '../awaitable.js';
import type { HandlerKind } from '../kinds.js';
import type { LiveUser } from './context.js';
import type { HandleKind } from './middleware.js';

/**
 * What was running: a client's `call`, `binary` call or `subscribe`; a handler kind running on
 * its own (`cron`, `effect`, `derived`, `aggregate`, `room`...); a hooks.ws `hook` (upgrade,
 * open, close); or the `server` itself (a reply that cannot be encoded, a topic listener,
 * `onDispose`).
 */
export type ErrorSource = HandleKind | HandlerKind | 'hook' | 'server';

export interface HandleErrorEvent {
  /** The handler's `module/export`; empty when no handler was running. */
  readonly path: string;
  /** The caller's user (`ctx.user`); null when no client asked (a cron run, an effect). */
  readonly user: LiveUser | null;
  readonly kind: ErrorSource;
  /** Where it happened, as the server log names it (`chat/send`, `src/live/jobs.ts live.cron jobs/tick`). */
  readonly where: string;
}

/** What the caller sees instead of the generic `Internal error`: `message`, plus any fields as `error.details`. */
export interface HandleErrorResult {
  message: string;
  [field: string]: unknown;
}

/**
 * `export const handleError: HandleError` in `src/hooks.ws.ts`. Return `{ message, ...fields }`
 * to choose what a caller sees (code `INTERNAL`), or nothing for the default. It may be async;
 * a failed call's answer waits for it.
 */
export type HandleError = (input: { error: unknown; event: HandleErrorEvent }) => Awaitable<HandleErrorResult | void>;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * Hands an unexpected error (already logged) to `handleError`. Returns what it chose to show (a
 * promise when it answers later; never a rejected one): a throwing or badly answering
 * `handleError` is logged with `log`, and the caller sees the default.
 */
export function askHandleError(
  handleError: HandleError | undefined,
  error: unknown,
  event: HandleErrorEvent,
  log: (error: unknown, where: string) => void
): Awaitable<HandleErrorResult | undefined> {
  if (!handleError) return undefined;
  let answer: unknown;
  try {
    answer = handleError({ error, event });
  } catch (thrown) {
    log(thrown, `hooks.ws handleError (while handling an error in ${event.where})`);
    return undefined;
  }
  if (!isPromiseLike(answer)) return shownError(log, answer, event);
  return Promise.resolve(answer).then(
    (value) => shownError(log, value, event),
    (thrown: unknown) => {
      log(thrown, `hooks.ws handleError (while handling an error in ${event.where})`);
      return undefined;
    }
  );
}

/** handleError's answer, if it is one a caller can be shown. */
function shownError(log: (error: unknown, where: string) => void, answer: unknown, event: HandleErrorEvent): HandleErrorResult | undefined {
  if (answer === undefined || answer === null) return undefined;
  if (typeof answer === 'object' && typeof (answer as { message?: unknown }).message === 'string') return answer as HandleErrorResult;
  log(
    new TypeError(`handleError returned ${typeof answer === 'object' ? 'an object without a string message' : typeof answer}; return { message: string, ...fields } or nothing`),
    `hooks.ws handleError (while handling an error in ${event.where})`
  );
  return undefined;
}
