/**
 * `isCursorMove(event)`: whether a call `handle` sees is a cursor move in a `live.room` (the
 * client's `room.moveCursor()`), the traffic a shared rate limit usually exempts. Decided by
 * the registered handler's kind, not by anything the client sends alone: a call to any other
 * function with the same arguments is not one.
 */
import { handlerKind } from './handler-tag.js';
import { CURSOR_ACTION } from '../protocol.js';
import type { HandleEvent } from './middleware.js';
import { getRuntime } from './runtime.js';

export function isCursorMove(event: HandleEvent): boolean {
  if (event.kind !== 'call' || event.args[1] !== CURSOR_ACTION) return false;
  const entry = getRuntime().registry.get(event.path);
  return entry !== undefined && handlerKind(entry.handler) === 'room';
}
