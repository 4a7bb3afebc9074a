// A collaborative board: live.room bundles the cards, who is here and their cursors under one id.
import { live, LiveError } from 'svelte-realtime/server';
import { db } from '$lib/server/db';

export const board = live.room({
  init: (_ctx, roomId) => db.cards.list(roomId),
  merge: 'crud',
  // Logged-in users are one member however many tabs they open; each guest tab is its own.
  presence: (ctx) => ({
    id: ctx.user?.id ?? ctx.connectionId,
    name: ctx.user?.name ?? `guest ${ctx.connectionId.slice(-3)}`
  }),
  cursors: { throttle: 40 },
  actions: {
    add(ctx, text: string) {
      const trimmed = typeof text === 'string' ? text.trim() : '';
      if (!trimmed) throw new LiveError('EMPTY', 'A card needs some text');
      const card = db.cards.add(ctx.room.id, trimmed.slice(0, 140), ctx.user?.name ?? 'guest');
      ctx.room.publish('created', card);
      return card;
    },
    remove(ctx, id: string) {
      if (db.cards.remove(ctx.room.id, id)) ctx.room.publish('deleted', id);
    }
  }
});

// Ephemeral reactions: a channel stores nothing; clients publish what the check allows.
const REACTIONS = ['👍', '🎉', '❤️'];
export const reactions = live.channel((_ctx, roomId: string) => `reactions:${roomId}`, {
  merge: 'latest',
  max: 12,
  publish: (_ctx, event, data) => event === 'react' && typeof data === 'string' && REACTIONS.includes(data)
});

// Files travel as binary frames; the server answers with what it learned about the bytes.
export const inspectFile = live.binary(
  async (_ctx, data, name: string) => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    const sha256 = [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join('');
    return { name: String(name).slice(0, 80), size: data.length, sha256 };
  },
  { maxSize: 256 * 1024 }
);
