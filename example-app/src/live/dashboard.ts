import { live } from 'svelte-realtime/server';
import { db, type Message } from '$lib/server/db';

const started = Date.now();
const serverClock = () => ({ now: new Date(), uptime: Math.floor((Date.now() - started) / 1000) });

// Every second (6 fields: seconds first), the server's clock is published to 'clock' as a 'set' event.
export const tick = live.cron('* * * * * *', 'clock', serverClock);
export const clock = live.stream('clock', serverClock, { merge: 'set' });

// Recomputed whenever the chat or the todo list changes, only while someone watches.
export const summary = live.derived(['messages', 'todos'], () => {
  const todos = db.todos.all();
  return { messages: db.messages.count(), todos: todos.length, open: todos.filter((t) => !t.done).length };
}, { debounce: 100 });

// Running totals over the chat's 'created' events, counted as they happen.
export const chatStats = live.aggregate(
  'messages',
  {
    posted: 'count',
    longest: { init: () => 0, reduce: (longest: number, message) => Math.max(longest, (message as Message).text.length) },
    authors: { init: () => [] as string[], reduce: (authors: string[], message) => {
      const { author } = message as Message;
      return authors.includes(author) ? authors : [...authors, author];
    } }
  },
  { events: ['created'] }
);

// A server-side reaction to every new message: a one-line activity feed.
export const announce = live.effect('messages', ({ event, data }, ctx) => {
  if (event === 'created') ctx.publish('activity', 'created', `${(data as Message).author} posted in the chat`);
});
export const activity = live.stream('activity', () => [] as string[], { merge: 'latest', max: 5 });
