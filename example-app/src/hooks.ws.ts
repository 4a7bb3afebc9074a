// Who is on the other end of each socket: the session cookie's user, or null for a guest.
import type { Upgrade } from 'svelte-realtime/server';
import { SESSION_COOKIE, userOf } from '$lib/server/sessions';

export const upgrade: Upgrade = ({ cookies }) => userOf(cookies.get(SESSION_COOKIE));
