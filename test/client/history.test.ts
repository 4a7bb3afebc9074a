/**
 * history(store, { apply }): undo and redo of a crud stream's changes, against a real server
 * with two pages: what one page undoes, the other sees; a refused change is rolled back and not
 * recorded; the bound, pause and the keyboard handler.
 */
import { describe, expect, it } from 'vitest';
import { history, type HistoryEvent } from '../../runtime/client/history.js';
import { createStream } from '../../runtime/client/stream.js';
import { live, LiveError } from '../../runtime/server/index.js';
import { clientSocket, until, useClientTests } from '../helpers/client.js';
import { module, startServer, type TestServer } from '../helpers/server.js';

interface Note {
  id: string;
  text: string;
}

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

/** A server with a notes stream and the apply function the history sends changes with. */
async function start() {
  const notes = new Map<string, Note>();
  let made = 0;
  server = await startServer({
    modules: [
      module('board', {
        notes: live.stream('notes', () => [...notes.values()]),
        apply: live((ctx, event: HistoryEvent, note: Note) => {
          if (note.text.includes('!')) throw new LiveError('NO_SHOUTING', 'No "!" on the board');
          if (event === 'deleted') {
            notes.delete(note.id);
            ctx.publish('notes', 'deleted', note.id);
            return note;
          }
          // A new note gets its id from the server; an undone delete comes back under its own.
          const stored = { ...note, id: note.id || `n${++made}` };
          notes.set(stored.id, stored);
          ctx.publish('notes', event === 'created' && !note.id ? 'created' : 'updated', stored);
          return stored;
        })
      })
    ]
  });
  const page = () => {
    const socket = clientSocket(server!.url);
    const store = createStream<Note[]>(() => socket, 'board/notes', []);
    cleanups.push(store.subscribe(() => {}));
    const apply = (event: HistoryEvent, note: Note) => socket.call('board/apply', [event, note]);
    return { store, apply };
  };
  return { notes, page };
}

const texts = (list: Note[] | undefined) => (list ?? []).map((n) => n.text).sort();

describe('history', () => {
  it("undoes and redoes a page's creates, updates and deletes, and the other page sees each step", async () => {
    const { page } = await start();
    const alice = page();
    const bob = page();
    const edits = history(alice.store, { apply: alice.apply });
    await until(alice.store, (list) => list !== undefined);

    await edits.change('created', { id: '', text: 'buy milk' });
    const [note] = (await until(bob.store, (list) => list?.length === 1))!;
    await edits.change('updated', { ...note!, text: 'buy oat milk' });
    await until(bob.store, (list) => list?.[0]?.text === 'buy oat milk');
    await edits.change('deleted', { ...note!, text: 'buy oat milk' });
    await until(bob.store, (list) => list?.length === 0);

    expect(await edits.undo()).toBe(true); // the delete
    await until(bob.store, (list) => list?.[0]?.text === 'buy oat milk');
    expect(await edits.undo()).toBe(true); // the update
    await until(bob.store, (list) => list?.[0]?.text === 'buy milk');
    expect(await edits.undo()).toBe(true); // the create
    await until(bob.store, (list) => list?.length === 0);
    expect(await edits.undo()).toBe(false);

    expect(await edits.redo()).toBe(true);
    expect(await edits.redo()).toBe(true);
    await until(bob.store, (list) => list?.[0]?.text === 'buy oat milk');
    let state = { canUndo: false, canRedo: false };
    edits.subscribe((s) => (state = s))();
    expect(state).toMatchObject({ canUndo: true, canRedo: true });
    expect(texts(await until(alice.store, (list) => list?.length === 1))).toEqual(['buy oat milk']);
  });

  it('rolls back a change the server refuses, and does not record it', async () => {
    const { page } = await start();
    const alice = page();
    const edits = history(alice.store, { apply: alice.apply });
    await edits.change('created', { id: '', text: 'calm' });
    const [note] = (await until(alice.store, (list) => list?.length === 1))!;

    await expect(edits.change('updated', { ...note!, text: 'LOUD!' })).rejects.toMatchObject({ code: 'NO_SHOUTING' });
    expect(texts(await until(alice.store, (list) => list?.[0]?.text === 'calm'))).toEqual(['calm']);
    expect(await edits.undo()).toBe(true); // the create, not the refused update
    await until(alice.store, (list) => list?.length === 0);
  });

  it('keeps at most `limit` changes, records nothing while paused, and a new change clears redo', async () => {
    const { page } = await start();
    const alice = page();
    const edits = history(alice.store, { apply: alice.apply, limit: 2 });
    for (const text of ['a', 'b', 'c']) await edits.change('created', { id: '', text });
    expect(await edits.undo()).toBe(true);
    expect(await edits.undo()).toBe(true);
    expect(await edits.undo()).toBe(false);
    expect(texts(await until(alice.store, (list) => list?.length === 1))).toEqual(['a']);

    expect(await edits.redo()).toBe(true);
    edits.pause();
    await edits.change('created', { id: '', text: 'unrecorded' });
    edits.resume();
    await edits.change('created', { id: '', text: 'd' });
    expect(await edits.redo()).toBe(false);
    expect(await edits.undo()).toBe(true); // d
    expect(await edits.undo()).toBe(true); // b
    expect(await edits.undo()).toBe(false);
    expect(texts(await until(alice.store, (list) => list?.length === 2))).toEqual(['a', 'unrecorded']);
  });

  it('answers Ctrl+Z and Ctrl+Shift+Z, and leaves keys typed in a text field alone', async () => {
    const { page } = await start();
    const alice = page();
    const edits = history(alice.store, { apply: alice.apply });
    await edits.change('created', { id: '', text: 'note' });
    await until(alice.store, (list) => list?.length === 1);
    const key = (init: { key: string; shiftKey?: boolean; target?: object }) => {
      let prevented = false;
      const event = { ctrlKey: true, metaKey: false, altKey: false, shiftKey: false, target: { tagName: 'BODY' }, ...init, preventDefault: () => (prevented = true) };
      edits.onkeydown(event as unknown as KeyboardEvent);
      return prevented;
    };

    expect(key({ key: 'z', target: { tagName: 'INPUT', type: 'text' } })).toBe(false);
    expect(key({ key: 'z', target: { tagName: 'TEXTAREA' } })).toBe(false);
    expect(key({ key: 'z' })).toBe(true);
    await until(alice.store, (list) => list?.length === 0);
    expect(key({ key: 'Z', shiftKey: true })).toBe(true);
    await until(alice.store, (list) => list?.length === 1);
    await until(edits, (state) => !state.busy && state.canUndo, 'the redo to be answered');
  });

  it('refuses options that cannot work, with a typed error', () => {
    const store = createStream<Note[]>(() => null, 'board/notes', []);
    expect(() => history(store, {} as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => history(store, { apply: async () => null, limit: 0 })).toThrow(/limit must be a positive integer/);
  });
});
