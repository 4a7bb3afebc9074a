import { live } from '../../../../../runtime/server/index.js';

/** A room whose members show a public profile on presence and cursors. */
export const gallery = live.room({
  init: () => [] as { id: string }[],
  select: (user) => ({ name: (user as { name: string } | null)?.name ?? 'guest', color: 'teal' }),
  cursors: {
    tick: 10,
    // Checked on the server, and the type of every position on the page.
    check: (position): position is { x: number } => typeof (position as { x?: unknown } | null)?.x === 'number'
  }
});

/** Who is in a hall: subscribing enters it; `visitors(hall).watch` lists them without entering. */
export const visitors = live.stream(
  (_ctx, hall: string) => `visitors:${hall}`,
  (ctx) => ({ id: (ctx.user as { id: string }).id }),
  { merge: 'presence' }
);
