import { fail, redirect } from '@sveltejs/kit';
import { publish } from 'svelte-realtime/server';
import { loggedIn, login, logout, SESSION_COOKIE } from '$lib/server/sessions';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => ({ user: locals.user });

export const actions: Actions = {
  login: async ({ request, cookies }) => {
    const name = String((await request.formData()).get('name') ?? '').trim();
    if (!name) return fail(400, { message: 'Enter a name' });
    const { sessionId } = login(name);
    cookies.set(SESSION_COOKIE, sessionId, { path: '/', httpOnly: true, sameSite: 'lax' });
    publish('admin:users', 'set', loggedIn());
    redirect(303, '/admin');
  },
  logout: ({ cookies }) => {
    logout(cookies.get(SESSION_COOKIE));
    cookies.delete(SESSION_COOKIE, { path: '/' });
    publish('admin:users', 'set', loggedIn());
    redirect(303, '/admin');
  }
};
