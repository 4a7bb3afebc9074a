// Everything in this module needs a logged-in user: the guard runs before each handler,
// the stream included.
import { guard, live, LiveError } from 'svelte-realtime/server';
import { loggedIn } from '$lib/server/sessions';
import { db } from '$lib/server/db';

const startedAt = new Date();

export const auth = guard((ctx) => {
  if (!ctx.user) throw new LiveError('UNAUTHORIZED', 'Log in to see the admin page');
});

export const users = live.stream('admin:users', () => loggedIn(), { merge: 'set' });

export const stats = live(() => ({
  startedAt,
  messages: db.messages.count(),
  todos: db.todos.all().length,
  users: new Set(loggedIn().map((u) => u.name))
}));

export const announce = live((ctx, text: string) => {
  const message = db.messages.insert(`📣 ${text}`, ctx.user!.name);
  ctx.publish('messages', 'created', message);
  return message;
});
