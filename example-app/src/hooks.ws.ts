// Who is on the other end of each socket: the session cookie's user, or null for a guest.
import { isCursorMove, rateLimiter, sequence, type Handle, type Upgrade } from 'svelte-realtime/server';
import { SESSION_COOKIE, userOf } from '$lib/server/sessions';

export const upgrade: Upgrade = ({ cookies }) => userOf(cookies.get(SESSION_COOKIE));

/** Around every call and subscription: a line in the server log for any slower than 200 ms. */
const slowLog: Handle = async ({ event, resolve }) => {
  const started = performance.now();
  try {
    return await resolve(event);
  } finally {
    const ms = performance.now() - started;
    if (ms > 200) console.warn(`[live] slow ${event.kind} ${event.path}: ${ms.toFixed(0)} ms`);
  }
};

/** One budget per user over every call of the app, cursor moves aside (they are throttled already). */
const perUser = rateLimiter({ points: 300, window: 10_000, name: 'per-user' });
const budget: Handle = async ({ event, resolve }) => {
  if (event.kind === 'call' && !event.ssr && !isCursorMove(event)) await perUser.take(event.ctx);
  return resolve(event);
};

export const handle = sequence(slowLog, budget);
