/**
 * Calls the runtime makes for the app rather than the app's own code: a room's cursor moves,
 * sent as calls to the room with this action name (runtime/server/kinds/room.ts,
 * CURSOR_ACTION; a test keeps the two equal). The overlay hides them unless asked, so a
 * board with a dozen moving cursors does not bury the calls a developer made.
 */

/** The action name a room's cursor moves use. */
export const CURSOR_MOVE_ACTION = '~cursor';

/** True for a call's arguments that make it a cursor move (`[roomId, '~cursor', position]`). */
export function isInternalCall(args: unknown): boolean {
  return Array.isArray(args) && args[1] === CURSOR_MOVE_ACTION;
}
