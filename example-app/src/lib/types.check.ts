/**
 * Type tests for the generated `$live/*` declarations, run by `svelte-check` (npm run check).
 * Each `@ts-expect-error` must be an error: if the generated types degraded to `any`, the
 * directive would be unused and the check would fail.
 */
import { messages, sendMessage } from '$live/chat';
import { room } from '$live/rooms';
import { stats } from '$live/admin/users';
import { addTodo } from '$live/todos';
import { board } from '$live/board';
import type { LiveStore } from 'svelte-realtime/client';
import type { Card, Message, RoomMessage, Todo } from '$lib/server/db';

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

  // A validated and rate-limited function takes the schema's input type.
  const todo: Todo = await addTodo('milk');
  void todo;
  // @ts-expect-error addTodo's schema takes a string
  await addTodo(42);

  // A room is a function of its id: typed stores, and each action without its ctx.
  const main = board('main');
  const cards: LiveStore<Card[]> = main.data;
  // Presence, watched presence and cursors carry the profile `select` returns.
  const members: LiveStore<{ key: string; user: { name: string; color: string } }[]> = main.presence;
  const watched: typeof members = main.watch;
  const pointers: LiveStore<{ key: string; data: unknown; user: { name: string; color: string } }[]> = main.cursors;
  const added: Card = await main.add('hello');
  void cards;
  void members;
  void watched;
  void pointers;
  void added;
  main.presence.subscribe((list) => {
    // @ts-expect-error a profile has a name and a colour, no id
    void list?.[0]?.user.id;
  });
  // @ts-expect-error add takes the card's text
  await main.add(1);
  // @ts-expect-error the room has no such action
  await main.rename('x');
}
