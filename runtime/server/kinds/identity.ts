/**
 * Who a caller is, for what counts per person rather than per tab (rate limits, presence,
 * cursors): the user's `id` when `upgrade` returned a user with one, else the connection.
 *
 * The key is `user:<id>` for a signed-in user (every tab of theirs shares it) and
 * `connection:<connectionId>` for a guest (one per tab). Rooms show it to the page as the `key`
 * of presence and cursor entries, so it is part of the public API: change it only with them.
 */
import type { LiveContext } from '../context.js';

export function identityOf(ctx: LiveContext): string {
  const user = ctx.user as { id?: unknown } | null | undefined;
  const id = typeof user === 'object' && user !== null ? user.id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? `user:${id}` : `connection:${ctx.connectionId}`;
}
