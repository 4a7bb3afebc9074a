import { live } from '../../../../../runtime/server/index.js';

/** A room whose members show a public profile on presence and cursors. */
export const gallery = live.room({
  init: () => [] as { id: string }[],
  select: (user) => ({ name: (user as { name: string } | null)?.name ?? 'guest', color: 'teal' }),
  cursors: { tick: 10 }
});
