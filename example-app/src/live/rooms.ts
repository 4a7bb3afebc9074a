// A dynamic topic: each room is its own stream, computed from the argument.
import { live, LiveError } from 'svelte-realtime/server';
import { db } from '$lib/server/db';

function roomName(room: string): string {
  if (typeof room !== 'string' || !/^[a-z0-9-]{1,32}$/.test(room)) {
    throw new LiveError('BAD_ROOM', 'Room names are 1-32 lowercase letters, digits or dashes');
  }
  return room;
}

export const room = live.stream(
  (_ctx, name: string) => `room:${roomName(name)}`,
  (_ctx, name: string) => db.rooms.messages(roomName(name)),
  { merge: 'latest', max: 100 }
);

export const post = live((ctx, name: string, text: string) => {
  const message = db.rooms.post(roomName(name), String(text).slice(0, 500));
  ctx.publish(`room:${name}`, 'message', message);
  return message;
});
