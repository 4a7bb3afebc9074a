import { live, LiveError } from 'svelte-realtime/server';

// What the DevTools show: a call with rich arguments and result, the publish it causes, a
// call that fails, and a cron job with a visible countdown.
export const echo = live(async (ctx, label: string, at: Date) => {
  const reply = { label, at, tags: new Set(['devtools', 'demo']), big: 2n ** 64n, nothing: undefined };
  ctx.publish('inspect', 'echoed', { label, at });
  return reply;
});

export const fail = live(async () => {
  throw new LiveError('NOPE', 'This call always fails, to show an error');
});

export const echoes = live.stream('inspect', async () => [] as { label: string; at: Date }[], { merge: 'latest', max: 10 });

export const heartbeat = live.cron('*/15 * * * * *', 'heartbeat', () => ({ at: new Date() }));
