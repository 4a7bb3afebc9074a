import { live } from '../../../../../runtime/server/index.js';

const notes = new Map<string, { id: string; text: string }[]>();

export const studio = live.room({
  init: (_ctx, roomId: string) => notes.get(roomId) ?? [],
  presence: (ctx) => {
    const user = ctx.user as { id: string; name: string };
    return { id: user.id, name: user.name };
  },
  actions: {
    note(ctx, text: string) {
      const note = { id: `${ctx.room.id}:${text}`, text };
      notes.set(ctx.room.id, [...(notes.get(ctx.room.id) ?? []), note]);
      ctx.room.publish('created', note);
      return note;
    }
  }
});

export const reactions = live.channel('reactions', { publish: true });

export const echoBytes = live.binary((_ctx, bytes: Uint8Array, label: string) => ({ label, length: bytes.length }));
