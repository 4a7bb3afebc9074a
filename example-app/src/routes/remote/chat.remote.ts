// SvelteKit remote functions next to the live modules: a form and a command write through
// publish(), so every `$live/chat` store sees the message, and a query.live reads the same
// live stream on the server and streams its values to the page over HTTP.
import { command, form, getRequestEvent, query } from '$app/server';
import { publish, streamValues } from 'svelte-realtime/server';
import * as v from 'valibot';
import { db } from '$lib/server/db';
import { userOf, SESSION_COOKIE } from '$lib/server/sessions';
import { messages } from '../../live/chat';

const Text = v.pipe(v.string(), v.trim(), v.minLength(1, 'Message is empty'), v.maxLength(500, 'Keep it under 500 characters'));

function post(text: string, via: string) {
  const { cookies } = getRequestEvent();
  const message = db.messages.insert(text, `${userOf(cookies.get(SESSION_COOKIE))?.name ?? 'guest'} (${via})`);
  publish('messages', 'created', message);
  return message;
}

export const postWithForm = form(v.object({ text: Text }), ({ text }) => {
  post(text, 'form');
});

export const postWithCommand = command(Text, (text) => post(text, 'command'));

export const latestMessages = query.live(async function* () {
  yield* streamValues(messages, getRequestEvent());
});
