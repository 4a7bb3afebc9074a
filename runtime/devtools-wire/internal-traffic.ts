/**
 * Traffic the runtime makes for the app rather than the app's own code. A room's cursor moves
 * are calls to the room with the action name CURSOR_ACTION (runtime/protocol.ts): the overlay
 * hides them unless asked, so a board with a dozen moving cursors does not bury the calls a
 * developer made. Every connection follows signal
 * topics of its own (runtime/server/signals.ts): the topic list leaves them out, one per tab.
 */
import { CURSOR_ACTION } from '../protocol.js';

/** The action name a room's cursor moves use. */
export const CURSOR_MOVE_ACTION = CURSOR_ACTION;

/** True for a call's arguments that make it a cursor move (`[roomId, '~cursor', position]`). */
export function isInternalCall(args: unknown): boolean {
  return Array.isArray(args) && args[1] === CURSOR_MOVE_ACTION;
}

/** The start of the signal topics every connection follows (`@signal:connection:<id>`, `@signal:user:<id>`). */
export const SIGNAL_TOPIC_PREFIX = '@signal:';

/** True for a topic the runtime keeps per connection or user (signals), not one the app declared. */
export function isInternalTopic(topic: string): boolean {
  return topic.startsWith(SIGNAL_TOPIC_PREFIX);
}
