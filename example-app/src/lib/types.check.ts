/**
 * Type tests for the generated `$live/*` declarations, run by `svelte-check` (npm run check).
 * Each `@ts-expect-error` must be an error: if the generated types degraded to `any`, the
 * directive would be unused and the check would fail.
 */
import { messages, sendMessage } from '$live/chat';
import { room } from '$live/rooms';
import { stats } from '$live/admin/users';
import type { LiveStore } from 'svelte-realtime/client';
import type { Message, RoomMessage } from '$lib/server/db';

export async function typeChecks(): Promise<void> {
  // ctx is removed and the result is inferred from the handler's return.
  const sent: Message = await sendMessage('hello');
  void sent;

  // @ts-expect-error sendMessage takes a string
  await sendMessage(42);
  // @ts-expect-error sendMessage takes exactly one argument
  await sendMessage();
  // @ts-expect-error the server's ctx is not part of the client signature
  await sendMessage({ user: null }, 'hello');

  // A static stream is a store of the init's value; a dynamic one is a function returning one.
  const list: LiveStore<Message[]> = messages;
  const lobby: LiveStore<RoomMessage[]> = room('lobby');
  void list;
  void lobby;
  // @ts-expect-error room takes the room name
  room(1);

  // Rich values keep their types: Date and Set survive the wire.
  const s = await stats();
  const since: Date = s.startedAt;
  const names: Set<string> = s.users;
  void since;
  void names;
  // @ts-expect-error stats returns no such field
  void s.nope;
}
