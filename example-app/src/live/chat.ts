import { live, LiveError } from 'svelte-realtime/server';
import { db } from '$lib/server/db';

export const sendMessage = live(async (ctx, text: string) => {
  if (typeof text !== 'string' || !text.trim()) throw new LiveError('EMPTY', 'Message is empty');
  if (text.length > 500) throw new LiveError('TOO_LONG', 'Keep it under 500 characters');
  const message = db.messages.insert(text.trim(), ctx.user?.name ?? 'guest');
  ctx.publish('messages', 'created', message);
  return message;
});

export const messages = live.stream('messages', () => db.messages.latest(50), { merge: 'crud', key: 'id' });
