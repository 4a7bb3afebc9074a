import { guard, live, LiveError } from '../../../../../../runtime/server/index.js';

export const _guard = guard((ctx) => {
  if ((ctx.user as { admin?: boolean } | null)?.admin !== true) throw new LiveError('FORBIDDEN', 'Admins only');
});

export const count = live(() => 3);

export const audit = live.stream('audit', () => ['started'], { merge: 'latest' });
