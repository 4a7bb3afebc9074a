// A collaborative board: live.room bundles the cards, who is here and their cursors under one id.
import { live, LiveError } from 'svelte-realtime/server';
import { db, NOTE_COLORS, type Card } from '$lib/server/db';

export const board = live.room({
  init: (_ctx, roomId) => db.cards.list(roomId),
  merge: 'crud',
  // What each member shows the others, on presence entries ({ key, user }) and cursor entries
  // ({ key, data, user }) alike. The key is `user:<id>` for a logged-in user (one member however
  // many tabs they open) and `connection:<connectionId>` for each guest tab.
  select: (user, ctx) => ({
    name: user?.name ?? `guest ${ctx.connectionId.slice(-3)}`,
    color: colorOf(user?.id ?? ctx.connectionId)
  }),
  // One cursor frame per board every 16 ms, carrying every cursor that moved; a position is
  // where the pointer is (percent of the board) and, while dragging, the note it holds.
  cursors: { tick: 16, maxBytes: 256, check: isPointer },
  actions: {
    add(ctx, text: string, at?: { x: number; y: number }) {
      const card = db.cards.add(ctx.room.id, noteText(text), ctx.user?.name ?? 'guest', at === undefined ? undefined : position(at));
      ctx.room.publish('created', card);
      return card;
    },
    remove(ctx, id: string) {
      if (db.cards.remove(ctx.room.id, id)) ctx.room.publish('deleted', id);
    },
    // The page's undo and redo (history() in svelte-realtime/client): one change as the page
    // recorded it. A moved note goes back where it was; a deleted one comes back under its id.
    apply(ctx, event: 'created' | 'updated' | 'deleted', note: Card) {
      if (typeof note !== 'object' || note === null || typeof note.id !== 'string' || note.id.length > 64) {
        throw new LiveError('INVALID', 'A note needs an id');
      }
      const stored = db.cards.get(ctx.room.id, note.id);
      if (event === 'deleted') {
        if (!stored) throw new LiveError('NOT_FOUND', 'That note is already gone');
        db.cards.remove(ctx.room.id, note.id);
        ctx.room.publish('deleted', note.id);
        return stored;
      }
      if (event !== 'created' && event !== 'updated') throw new LiveError('INVALID', 'Unknown change');
      if (event === 'updated' && !stored) throw new LiveError('NOT_FOUND', 'That note was deleted');
      const at = position(note);
      const next: Card = {
        id: note.id,
        text: noteText(note.text),
        author: stored?.author ?? ctx.user?.name ?? 'guest',
        ...at,
        color: NOTE_COLORS.includes(note.color as (typeof NOTE_COLORS)[number]) ? note.color : NOTE_COLORS[0]
      };
      db.cards.put(ctx.room.id, next);
      ctx.room.publish(stored ? 'updated' : 'created', next);
      return next;
    },
    // A nudge for one member of the board, named by their entry's key: a signal to their tabs,
    // no topic of the app's own.
    nudge(ctx, key: string) {
      if (typeof key !== 'string' || key.length > 128) throw new LiveError('INVALID', 'Nudge whom?');
      const from = ctx.user?.name ?? 'a guest';
      if (key.startsWith('connection:')) ctx.signal({ connectionId: key.slice('connection:'.length) }, 'nudge', { from });
      else if (key.startsWith('user:')) ctx.signal(key.slice('user:'.length), 'nudge', { from });
      else throw new LiveError('INVALID', 'Nudge whom? Pass the key of a presence entry');
    }
  }
});

/** A cursor position: the pointer in percent of the board, and the note it drags, if any. */
export type Pointer = { x: number; y: number; drag?: { id: string; x: number; y: number } };

const isNumber = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

function isPointer(value: unknown): value is Pointer {
  const p = value as Partial<Pointer> | null;
  if (typeof p !== 'object' || p === null || !isNumber(p.x) || !isNumber(p.y)) return false;
  if (p.drag === undefined) return true;
  return typeof p.drag === 'object' && p.drag !== null && typeof p.drag.id === 'string' && p.drag.id.length <= 64 && isNumber(p.drag.x) && isNumber(p.drag.y);
}

const MEMBER_COLORS = ['#e74c3c', '#8e44ad', '#2980b9', '#16a085', '#d35400', '#c0392b', '#2c3e50', '#27ae60'];

/** A member's colour, the same on every page and every visit: picked by their id. */
function colorOf(id: string): string {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return MEMBER_COLORS[Math.abs(hash) % MEMBER_COLORS.length]!;
}

function noteText(text: unknown): string {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!trimmed) throw new LiveError('EMPTY', 'A note needs some text');
  return trimmed.slice(0, 140);
}

/** A note's place, in percent of the board, kept on the board. */
function position(at: { x: unknown; y: unknown }): { x: number; y: number } {
  const { x, y } = at ?? {};
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
    throw new LiveError('INVALID', 'A note sits at a numeric x and y');
  }
  const clamp = (n: number) => Math.round(Math.min(96, Math.max(0, n)) * 10) / 10;
  return { x: clamp(x), y: clamp(y) };
}

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
