/**
 * Stream store extras in Node against a real server: optimistic changes and their exact
 * rollback, hydration from a server-side load (and resuming from it), cursor pagination,
 * presence, and server rendering through the `$live` exports (`load(event)`, `.call(event)`).
 */
import { describe, expect, it } from 'vitest';
import { __rpc, __stream } from '../../runtime/client/internal.js';
import type { Loaded, LoadEvent } from '../../runtime/ssr-contract.js';
import { createStream, type LiveStore } from '../../runtime/client/stream.js';
import type { LiveSocket } from '../../runtime/client/socket.js';
import { guard, live, LiveError } from '../../runtime/server/index.js';
import { clientSocket, record, until, useClientTests } from '../helpers/client.js';
import { module, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

interface Todo {
  id: number;
  title: string;
}

let db: Todo[] = [];
let inits = 0;

async function start(): Promise<TestServer> {
  db = [{ id: 0, title: 'first' }];
  inits = 0;
  server = await startServer({
    modules: [
      module('app', {
        todos: live.stream('todos', () => {
          inits++;
          return db.slice();
        }),
        rename: live((ctx, id: number, title: string) => {
          if (title.includes('!')) throw new LiveError('REFUSED', 'No shouting');
          const todo = db.find((t) => t.id === id)!;
          todo.title = title;
          ctx.publish('todos', 'updated', { ...todo });
          return todo;
        }),
        whoami: live((ctx) => ctx.user),
        pages: live.stream(
          'pages',
          (ctx) => {
            const from = (ctx.cursor as number | undefined) ?? 0;
            const items = Array.from({ length: Math.min(10, 25 - from) }, (_, i) => ({ id: from + i, title: `item ${from + i}` }));
            return { items, next: from + 10 < 25 ? from + 10 : null };
          },
          { paginate: true }
        ),
        online: live.stream('online', (ctx) => ({ id: String(ctx.user) }), { merge: 'presence' })
      }),
      module('secret', {
        auth: guard((ctx) => {
          if (ctx.user !== 'admin') throw new LiveError('UNAUTHORIZED', 'Admins only');
        }),
        stats: live.stream('stats', () => ({ users: 1 }), { merge: 'set' }),
        reset: live(() => 'reset')
      })
    ],
    hooks: { upgrade: ({ request, url }) => (request.headers.get('x-user') ?? url.searchParams.get('as') ?? 'guest') as never }
  });
  return server;
}

function stream<T>(socket: LiveSocket, path: string): LiveStore<T> {
  return createStream<T>(() => socket, path, []);
}

function watch<T>(store: LiveStore<T>) {
  const watched = record(store);
  cleanups.push(watched.stop);
  return watched;
}

function socketFor(url: string, user?: string): LiveSocket {
  const socket = clientSocket(user ? `${url}?as=${user}` : url);
  return socket;
}

/** A SvelteKit-like request event for `user` (the upgrade hook reads the x-user header). */
function requestEvent(user: string): LoadEvent {
  const url = new URL('http://127.0.0.1/page');
  return {
    request: new Request(url, { headers: { 'x-user': user } }),
    url,
    cookies: { get: () => undefined, getAll: () => [] },
    getClientAddress: () => '127.0.0.1'
  };
}

describe('optimistic changes', () => {
  it('show at once, and a rollback restores exactly, keeping server events that arrived in between', async () => {
    const { url } = await start();
    const todos = stream<Todo[]>(socketFor(url), 'app/todos');
    watch(todos);
    await until(todos, (v) => v !== undefined);
    const rollback = todos.optimistic('updated', { id: 0, title: 'optimistic' });
    expect(await until(todos, () => true)).toEqual([{ id: 0, title: 'optimistic' }]);
    server!.runtime.publish('todos', 'created', { id: 1, title: 'from someone else' });
    expect(
      await until(todos, (v) => v?.length === 2, 'server event under the optimistic change')
    ).toEqual([
      { id: 0, title: 'optimistic' },
      { id: 1, title: 'from someone else' }
    ]);
    rollback();
    expect(await until(todos, () => true)).toEqual([
      { id: 0, title: 'first' },
      { id: 1, title: 'from someone else' }
    ]);
  });

  it('roll back when the server refuses the call, and settle when it confirms', async () => {
    const { url } = await start();
    const socket = socketFor(url);
    const todos = stream<Todo[]>(socket, 'app/todos');
    const watched = watch(todos);
    await until(todos, (v) => v !== undefined);

    const undo = todos.optimistic('updated', { id: 0, title: 'loud!' });
    await expect(socket.call('app/rename', [0, 'loud!'])).rejects.toMatchObject({ code: 'REFUSED' });
    undo();
    expect(await until(todos, () => true)).toEqual([{ id: 0, title: 'first' }]);

    const settled = todos.optimistic('updated', { id: 0, title: 'calm' });
    await socket.call('app/rename', [0, 'calm']);
    await until(todos, (v) => v?.[0]?.title === 'calm');
    // The server's event for the same key settled the change: undoing it now changes nothing.
    const before = watched.values.length;
    settled();
    expect(watched.values.length).toBe(before);
    expect(await until(todos, () => true)).toEqual([{ id: 0, title: 'calm' }]);
  });
});

describe('hydrate and load', () => {
  it('renders from a server-side load and resumes from its position without running init again', async () => {
    const { url, runtime } = await start();
    const loaded = (await runtime.ssrLoad('app/todos', [], requestEvent('ann'))) as Loaded<Todo[]>;
    expect(loaded).toMatchObject({ '~live': 'stream', value: [{ id: 0, title: 'first' }], topic: 'todos', merge: { merge: 'crud' } });
    expect(inits).toBe(1);
    // Published between the page's render and its subscription.
    runtime.publish('todos', 'created', { id: 1, title: 'while hydrating' });

    const todos = stream<Todo[]>(socketFor(url), 'app/todos');
    const status = record(todos.status);
    cleanups.push(status.stop);
    expect(todos.hydrate(loaded)).toBe(todos);
    const watched = watch(todos);
    expect(watched.values[0]).toEqual([{ id: 0, title: 'first' }]);
    await until(todos, (v) => v?.length === 2, 'missed event replayed');
    expect(inits).toBe(1);
    expect(status.values).toEqual(['idle', 'ready']);
  });

  it('ignores a load older than what the store holds', async () => {
    const { url, runtime } = await start();
    const old = (await runtime.ssrLoad('app/todos', [], requestEvent('ann'))) as Loaded<Todo[]>;
    const todos = stream<Todo[]>(socketFor(url), 'app/todos');
    watch(todos);
    await until(todos, (v) => v !== undefined);
    runtime.publish('todos', 'created', { id: 1, title: 'newer' });
    await until(todos, (v) => v?.length === 2);
    todos.hydrate(old);
    expect(await until(todos, () => true)).toHaveLength(2);
  });

  it('without a socket (server rendering) hydrate gives a copy and leaves the shared store alone', () => {
    const todos = createStream<Todo[]>(() => null, 'app/todos', []);
    const copy = todos.hydrate([{ id: 9, title: 'rendered' }]);
    expect(copy).not.toBe(todos);
    expect(record(copy).values).toEqual([[{ id: 9, title: 'rendered' }]]);
    expect(record(todos).values).toEqual([undefined]);
  });

  it('$live exports run on the server for the request user: store.load(event) and fn.call(event, ...args)', async () => {
    const { runtime } = await start();
    const key = Symbol.for('svelte-realtime.runtime');
    const scope = globalThis as Record<symbol, unknown>;
    const saved = scope[key];
    scope[key] = runtime;
    cleanups.push(() => (scope[key] = saved));

    expect(await __rpc('app/whoami').call(requestEvent('ann'))).toBe('ann');
    expect(await __stream('app/todos').load(requestEvent('ann'))).toMatchObject({ value: [{ id: 0, title: 'first' }] });
    // Guards run as they do over the socket.
    await expect(__stream('secret/stats').load(requestEvent('ann'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(__rpc('secret/reset').call(requestEvent('ann'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await __rpc('secret/reset').call(requestEvent('admin'))).toBe('reset');
    await expect(__rpc('app/nope').call(requestEvent('ann'))).rejects.toMatchObject({ code: 'UNKNOWN_PATH' });
    // Called without an event during server rendering: a clear refusal.
    await expect(__rpc('app/whoami')()).rejects.toMatchObject({ code: 'SSR' });
  });
});

describe('cursor pagination', () => {
  it('loads page after page until next is null, and keeps folding events', async () => {
    const { url, runtime } = await start();
    const pages = stream<Todo[]>(socketFor(url), 'app/pages');
    watch(pages);
    expect(await until(pages, (v) => v !== undefined)).toHaveLength(10);
    expect(record(pages.hasMore).values).toEqual([true]);
    expect(await pages.loadMore()).toBe(true);
    expect(await pages.loadMore()).toBe(false);
    const all = await until(pages, () => true);
    expect(all!.map((t) => t.id)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(await pages.loadMore()).toBe(false);
    runtime.publish('pages', 'created', { id: 99, title: 'new' });
    expect((await until(pages, (v) => v?.length === 26))!.at(-1)).toEqual({ id: 99, title: 'new' });
  });
});

describe('presence stores', () => {
  it('list everyone present, one entry per user however many tabs, and drop a member who leaves', async () => {
    const { url } = await start();
    const online = stream<{ id: string }[]>(socketFor(url, 'ann'), 'app/online');
    watch(online);
    await until(online, (v) => v?.length === 1);
    const tabs = [socketFor(url, 'bob'), socketFor(url, 'bob')].map((socket) => {
      const store = stream<{ id: string }[]>(socket, 'app/online');
      return { store, stop: store.subscribe(() => {}) };
    });
    await until(tabs[1]!.store, (v) => v !== undefined);
    expect(await until(online, (v) => v?.length === 2)).toEqual([{ id: 'ann' }, { id: 'bob' }]);
    tabs[0]!.stop();
    tabs[1]!.stop();
    expect(await until(online, (v) => v?.length === 1, 'bob left')).toEqual([{ id: 'ann' }]);
  });
});
