// A collaborative board: live.room bundles the cards, who is here and their cursors under one id.
import { live, LiveError, type LiveContext, type RoomContext } from 'svelte-realtime/server';
import { db, NOTE_COLORS, type Card } from '$lib/server/db';

export const board = live.room({
  init: (_ctx, roomId) => db.cards.list(roomId),
  merge: 'crud',
  // What each member shows the others, on presence entries ({ key, user }) and cursor entries
  // ({ key, data, user }) alike. The key is `user:<id>` for a logged-in user (one member however
  // many tabs they open) and `connection:<connectionId>` for each guest tab.
  select: (user, ctx) => ({ name: nameOf(ctx), color: colorOf(user?.id ?? ctx.connectionId) }),
  // One cursor frame per board every 16 ms, carrying every cursor that moved; a position is
  // where the pointer is (percent of the board) and, while dragging, the note it holds.
  cursors: { tick: 16, maxBytes: 256, check: isPointer },
  actions: {
    // A change and its line in the activity ticker go out as one batch: every page shows both
    // in the same update.
    add(ctx, text: string, at?: { x: number; y: number }) {
      const card = db.cards.add(ctx.room.id, noteText(text), nameOf(ctx), at === undefined ? undefined : position(at));
      ctx.batch(() => {
        ctx.room.publish('created', card);
        log(ctx, `added “${card.text}”`);
      });
      return card;
    },
    remove(ctx, id: string) {
      const card = db.cards.get(ctx.room.id, id);
      if (!card || !db.cards.remove(ctx.room.id, id)) return;
      ctx.batch(() => {
        ctx.room.publish('deleted', id);
        log(ctx, `removed “${card.text}”`);
      });
    },
    // A note's text as it is typed: stored at once, shown to the others at most every 100 ms
    // (the first keystroke at once, the last always), so a fast typist is not a flood.
    write(ctx, id: string, text: string) {
      const stored = typeof id === 'string' ? db.cards.get(ctx.room.id, id) : undefined;
      if (!stored) throw new LiveError('NOT_FOUND', 'That note was deleted');
      const note = db.cards.put(ctx.room.id, { ...stored, text: typeof text === 'string' ? text.slice(0, 140) : stored.text });
      ctx.room.throttle('updated', note, 100);
    },
    // Every note to its place on a grid: one frame per page and one store update, so nobody sees
    // the board half tidied.
    tidy(ctx) {
      const notes = db.cards.list(ctx.room.id);
      ctx.batch(() => {
        notes.forEach((note, i) => ctx.room.publish('updated', db.cards.put(ctx.room.id, { ...note, ...gridPlace(i) })));
        log(ctx, `tidied ${notes.length} notes`);
      });
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
        ctx.batch(() => {
          ctx.room.publish('deleted', note.id);
          log(ctx, `removed “${stored.text}”`);
        });
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
      ctx.batch(() => {
        ctx.room.publish(stored ? 'updated' : 'created', next);
        log(ctx, stored ? `moved “${next.text}”` : `brought back “${next.text}”`);
      });
      return next;
    },
    // A nudge for one member of the board, named by their entry's key: a signal to their tabs,
    // no topic of the app's own.
    nudge(ctx, key: string) {
      if (typeof key !== 'string' || key.length > 128) throw new LiveError('INVALID', 'Nudge whom?');
      const from = nameOf(ctx);
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

/** The board's activity ticker: the 20 newest lines, newest first (a feed: crud, prepend, max). */
export const activity = live.stream(
  (_ctx, roomId: string) => `activity:${boardId(roomId)}`,
  (_ctx, roomId: string) => db.activity.list(boardId(roomId)),
  { merge: 'crud', max: 20, prepend: true }
);

function boardId(roomId: unknown): string {
  if (typeof roomId !== 'string' || roomId.length === 0 || roomId.length > 128) throw new LiveError('BAD_ROOM', 'A board id is 1 to 128 characters');
  return roomId;
}

/** A line in the board's ticker, published with the change it tells of (inside its batch). */
function log(ctx: RoomContext, what: string): void {
  ctx.publish(`activity:${ctx.room.id}`, 'created', db.activity.add(ctx.room.id, `${nameOf(ctx)} ${what}`));
}

/** How a member is named: the signed-in user's name, or the guest tab's. */
function nameOf(ctx: LiveContext): string {
  return ctx.user?.name ?? `guest ${ctx.connectionId.slice(-3)}`;
}

/** The place of the `i`th note on a tidy grid of five columns. */
function gridPlace(i: number): { x: number; y: number } {
  return { x: 2 + (i % 5) * 19, y: 4 + Math.floor(i / 5) * 24 };
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
