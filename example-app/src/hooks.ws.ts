// Who is on the other end of each socket: the session cookie's user, or null for a guest.
import type { Handle, Upgrade } from 'svelte-realtime/server';
import { SESSION_COOKIE, userOf } from '$lib/server/sessions';

export const upgrade: Upgrade = ({ cookies }) => userOf(cookies.get(SESSION_COOKIE));

/** Around every call and subscription: a line in the server log for any slower than 200 ms. */
export const handle: Handle = async ({ event, resolve }) => {
  const started = performance.now();
  try {
    return await resolve(event);
  } finally {
    const ms = performance.now() - started;
    if (ms > 200) console.warn(`[live] slow ${event.kind} ${event.path}: ${ms.toFixed(0)} ms`);
  }
};
