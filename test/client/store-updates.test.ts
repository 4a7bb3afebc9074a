/**
 * Stream stores update once per animation frame: a burst of events (or a ctx.batch over two
 * stores) becomes one update, shown to every store's subscribers together; a read never sees a
 * stale value; a hidden tab (no animation frames) still updates; `configure({ updates })`
 * opts out. Against a real server, with a fake requestAnimationFrame the test fires by hand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FALLBACK_MS, setStoreUpdates } from '../../runtime/client/frame-updates.js';
import { configure } from '../../runtime/client/page-socket.js';
import type { LiveSocket } from '../../runtime/client/socket.js';
import { createStream, type LiveStore } from '../../runtime/client/stream.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, record, until, useClientTests } from '../helpers/client.js';
import { module, startServer, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

interface Item {
  id: number;
  v: number;
}

/** A requestAnimationFrame that only runs when the test says a frame passed. */
function fakeFrames() {
  const scope = globalThis as { requestAnimationFrame?: unknown; cancelAnimationFrame?: unknown };
  const queued = new Map<number, () => void>();
  let next = 1;
  scope.requestAnimationFrame = (run: () => void) => {
    queued.set(next, run);
    return next++;
  };
  scope.cancelAnimationFrame = (id: number) => queued.delete(id);
  cleanups.push(() => {
    delete scope.requestAnimationFrame;
    delete scope.cancelAnimationFrame;
  });
  return {
    get waiting() {
      return queued.size;
    },
    frame() {
      const runs = [...queued.values()];
      queued.clear();
      for (const run of runs) run();
    }
  };
}

async function start(): Promise<{ socket: LiveSocket; list: LiveStore<Item[]>; other: LiveStore<Item[]> }> {
  server = await startServer({
    modules: [
      module('app', {
        list: live.stream('list', () => Array.from({ length: 1000 }, (_, id) => ({ id, v: 0 }))),
        other: live.stream('other', () => [] as Item[])
      })
    ]
  });
  const socket = clientSocket(server.url);
  return { socket, list: createStream<Item[]>(() => socket, 'app/list', []), other: createStream<Item[]>(() => socket, 'app/other', []) };
}

/** Subscribes (as a component would) and keeps every value. */
function watch<T>(store: LiveStore<T>) {
  const watched = record(store);
  cleanups.push(watched.stop);
  return watched;
}

const burst = (v: number) => Array.from({ length: 1000 }, (_, id) => ({ topic: 'list', event: 'updated', data: { id, v } }));

afterEach(() => setStoreUpdates('frame'));

describe('store updates', () => {
  it('fold a burst of 1 000 events into one update at the next animation frame', async () => {
    const frames = fakeFrames();
    const { list } = await start();
    const watched = watch(list);
    await until(list.status, (s) => s === 'ready');
    const before = watched.values.length;
    server!.runtime.batch(burst(1));
    await waitFor(() => frames.waiting > 0, 'events waiting for a frame');
    expect(watched.values).toHaveLength(before);
    frames.frame();
    expect(watched.values).toHaveLength(before + 1);
    expect(watched.values.at(-1)!.every((item) => item.v === 1)).toBe(true);
  });

  it('show a ctx.batch over two stores together: no subscriber sees one updated and the other not', async () => {
    const frames = fakeFrames();
    const { list, other } = await start();
    watch(other);
    const seen: [number | undefined, number][] = [];
    // What a component reading both stores sees each time the first one changes.
    const stop = list.subscribe((items) => {
      let others: Item[] | undefined;
      other.subscribe((value) => (others = value))();
      if (items) seen.push([items.find((i) => i.id === 5)?.v, others?.length ?? 0]);
    });
    cleanups.push(stop);
    await until(list.status, (s) => s === 'ready');
    await until(other.status, (s) => s === 'ready');
    server!.runtime.batch([
      { topic: 'list', event: 'deleted', data: 5 },
      { topic: 'other', event: 'created', data: { id: 5, v: 2 } }
    ]);
    await waitFor(() => frames.waiting > 0, 'events waiting for a frame');
    frames.frame();
    expect(seen).toEqual([
      [0, 0],
      [undefined, 1]
    ]);
  });

  it('never let a read see a stale value: get(store) and optimistic fold what waits first', async () => {
    const frames = fakeFrames();
    const { list } = await start();
    const watched = watch(list);
    await until(list.status, (s) => s === 'ready');
    server!.runtime.publish('list', 'updated', { id: 1, v: 7 });
    await waitFor(() => frames.waiting > 0, 'an event waiting for a frame');
    let read: Item[] | undefined;
    list.subscribe((value) => (read = value))();
    expect(read![1]).toEqual({ id: 1, v: 7 });
    expect(watched.values.at(-1)![1]).toEqual({ id: 1, v: 7 });
    frames.frame();
    server!.runtime.publish('list', 'updated', { id: 2, v: 8 });
    await waitFor(() => frames.waiting > 0, 'another event waiting');
    const rollback = list.optimistic('updated', { id: 3, v: 9 });
    expect(watched.values.at(-1)!.slice(1, 4)).toEqual([
      { id: 1, v: 7 },
      { id: 2, v: 8 },
      { id: 3, v: 9 }
    ]);
    rollback();
    expect(watched.values.at(-1)![3]).toEqual({ id: 3, v: 0 });
    // The frame that comes later has nothing left to do.
    const count = watched.values.length;
    frames.frame();
    expect(watched.values).toHaveLength(count);
  });

  it('update a hidden tab, where animation frames never come, after FALLBACK_MS', async () => {
    const frames = fakeFrames();
    const { list } = await start();
    watch(list);
    await until(list.status, (s) => s === 'ready');
    server!.runtime.batch(burst(3));
    await until(list, (items) => items?.[999]?.v === 3, 'the update without a frame', FALLBACK_MS * 20);
    expect(frames.waiting).toBe(0);
  });

  it('without animation frames (server, Node) update once per task; configure({ updates: "sync" }) once per event', async () => {
    const { list } = await start();
    const watched = watch(list);
    await until(list.status, (s) => s === 'ready');
    let before = watched.values.length;
    server!.runtime.batch(burst(4).slice(0, 10));
    await until(list, (items) => items?.[9]?.v === 4);
    expect(watched.values.length - before).toBe(1);
    configure({ updates: 'sync' });
    before = watched.values.length;
    server!.runtime.batch(burst(5).slice(0, 10));
    await until(list, (items) => items?.[9]?.v === 5);
    expect(watched.values.length - before).toBe(10);
  });

  it('show every store of a frame even when a subscriber of one throws (hostile: a broken component)', async () => {
    const frames = fakeFrames();
    const { list, other } = await start();
    const stop = list.subscribe((items) => {
      if (items?.[0]?.v === 6) throw new Error('broken component');
    });
    cleanups.push(stop);
    const watched = watch(other);
    await until(list.status, (s) => s === 'ready');
    await until(other.status, (s) => s === 'ready');
    server!.runtime.batch([
      { topic: 'list', event: 'updated', data: { id: 0, v: 6 } },
      { topic: 'other', event: 'created', data: { id: 1, v: 6 } }
    ]);
    await waitFor(() => frames.waiting > 0, 'events waiting for a frame');
    expect(() => frames.frame()).toThrow('broken component');
    expect(watched.values.at(-1)).toEqual([{ id: 1, v: 6 }]);
    // The next frame runs as usual.
    server!.runtime.publish('other', 'created', { id: 2, v: 7 });
    await waitFor(() => frames.waiting > 0, 'the next event');
    frames.frame();
    expect(watched.values.at(-1)).toHaveLength(2);
  });

  it('refuses an update mode it does not know, naming the modes', () => {
    expect(() => configure({ updates: 'often' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/'frame', 'microtask', 'sync'/) }));
  });
});
