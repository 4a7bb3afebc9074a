import type { Handle } from '@sveltejs/kit';
import { SESSION_COOKIE, userOf } from '$lib/server/sessions';

export const handle: Handle = ({ event, resolve }) => {
  event.locals.user = userOf(event.cookies.get(SESSION_COOKIE));
  return resolve(event);
};
