import { live, LiveError } from '../../../../../runtime/server/index.js';

export interface Message {
  id: number;
  text: string;
  author: string;
}

const log: Message[] = [];

export const sendMessage = live((ctx, text: string) => {
  if (typeof text !== 'string' || !text.trim()) throw new LiveError('EMPTY', 'Message is empty');
  const user = ctx.user as { name: string } | null;
  const message = { id: log.length + 1, text: text.trim(), author: user?.name ?? 'guest' };
  log.push(message);
  ctx.publish('messages', 'created', message);
  return message;
});

export const whoAmI = live((ctx) => ctx.user as { id: string; name: string } | null);

export const messages = live.stream('messages', (): Message[] => log.slice(-50), { merge: 'crud', key: 'id' });
