/**
 * Stream stores of the browser client runtime in Node, against a real server: values, status
 * and error stores, resume across a dropped socket, re-init on a gap, several stores per topic.
 */
import { describe, expect, it } from 'vitest';
import type { LiveSocket } from '../../runtime/client/socket.js';
import { createStream, type LiveStore } from '../../runtime/client/stream.js';
import { guard, live, LiveError } from '../../runtime/server/index.js';
import { clientSocket, record, until, useClientTests } from '../helpers/client.js';
import { deferred, module, startServer, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

interface Todo {
  id: number;
  text: string;
}

/** The "database" the streams' inits read. */
let db: Todo[] = [];
let inits = 0;
let initGate: Promise<void> | undefined;
/** While set, upgrades wait for it: the client is "offline" until the test releases it. */
let upgradeGate: Promise<void> | undefined;

async function start(): Promise<TestServer> {
  db = [{ id: 0, text: 'first' }];
  inits = 0;
  initGate = undefined;
  upgradeGate = undefined;
  server = await startServer({
    modules: [
      module('app', {
        todos: live.stream('todos', async () => {
          inits++;
          await initGate;
          return db.slice();
        }),
        log: live.stream('todos', () => [] as Todo[], { merge: 'latest', max: 1000 }),
        last: live.stream('todos', () => db.at(-1), { merge: 'set' }),
        room: live.stream((_ctx, id: string) => `room:${id}`, (_ctx, id: string) => [{ id: 0, text: `welcome to ${id}` }])
      }),
      module('secret', {
        feed: live.stream('secret', () => ['hidden']),
        auth: guard(() => {
          throw new LiveError('UNAUTHORIZED', 'Log in first');
        })
      }),
      module('no', { feed: live.stream('no', () => []), nope: guard(() => false) })
    ],
    hooks: {
      upgrade: async () => {
        await upgradeGate;
        return null;
      }
    }
  });
  return server;
}

/** Adds a todo to the db and publishes it, as a handler would. */
function add(text: string): Todo {
  const todo = { id: db.length, text };
  db.push(todo);
  server!.runtime.publish('todos', 'created', todo);
  return todo;
}

function stream<T>(socket: LiveSocket, path: string, args: unknown[] = []): LiveStore<T> {
  return createStream<T>(() => socket, path, args);
}

/** Subscribes (as a component would) and keeps every value; unsubscribed after the test. */
function watch<T>(store: LiveStore<T>) {
  const watched = record(store);
  cleanups.push(watched.stop);
  return watched;
}

function dropAll(): void {
  for (const conn of server!.runtime.connections.values()) conn.socket.terminate();
}

const ids = (todos: Todo[] | undefined) => (todos ?? []).map((t) => t.id);

describe('stream stores', () => {
  it('follow the store contract: undefined, then the snapshot, then every event folded in', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const todos = stream<Todo[]>(socket, 'app/todos');
    const status = record(todos.status);
    cleanups.push(status.stop);
    const watched = watch(todos);
    expect(watched.values).toEqual([undefined]);
    await until(todos, (v) => v !== undefined, 'snapshot');
    add('second');
    server!.runtime.publish('todos', 'updated', { id: 0, text: 'first, edited' });
    server!.runtime.publish('todos', 'deleted', 1);
    await until(todos, (v) => v?.length === 1 && v[0].text === 'first, edited', 'events folded');
    // The three events of one tick arrive in one frame and reach the subscribers as one update.
    expect(watched.values).toEqual([undefined, [{ id: 0, text: 'first' }], [{ id: 0, text: 'first, edited' }]]);
    expect(status.values).toEqual(['idle', 'loading', 'ready']);
  });

  it('report a refusal in status and error, with the guard code', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const feed = stream<string[]>(socket, 'secret/feed');
    watch(feed);
    await until(feed.status, (s) => s === 'error', 'error status');
    const error = await until(feed.error, (e) => e !== null, 'error');
    expect(error).toMatchObject({ name: 'RpcError', code: 'UNAUTHORIZED', message: 'Log in first' });
    const forbidden = stream<string[]>(socket, 'no/feed');
    watch(forbidden);
    expect(await until(forbidden.error, (e) => e !== null, 'error')).toMatchObject({ code: 'FORBIDDEN' });
    const missing = stream<unknown>(socket, 'app/missing');
    watch(missing);
    expect(await until(missing.error, (e) => e !== null)).toMatchObject({ code: 'UNKNOWN_PATH' });
  });

  it('keep their value across a server-side drop and resume with no lost and no duplicated event', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const todos = stream<Todo[]>(socket, 'app/todos');
    const log = stream<Todo[]>(socket, 'app/log');
    const watched = watch(todos);
    watch(log);
    await until(log.status, (s) => s === 'ready');
    await until(todos.status, (s) => s === 'ready');
    add('a');
    add('b');
    await until(log, (v) => v?.length === 2, 'two events');

    let release!: () => void;
    upgradeGate = new Promise((resolve) => (release = resolve));
    dropAll();
    await until(socket.status, (s) => s.state === 'reconnecting', 'reconnecting');
    await waitFor(() => server!.runtime.topics.subscriberCount('todos') === 0, 'server saw the drop');
    // Published while the client is away.
    add('c');
    add('d');
    add('e');
    const valuesDuringOutage = watched.values.length;
    expect(ids(watched.values.at(-1))).toEqual([0, 1, 2]);
    release();
    upgradeGate = undefined;

    await until(log, (v) => v?.length === 5, 'missed events');
    add('f');
    const final = await until(log, (v) => v?.length === 6, 'live again');
    expect(ids(final)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids(await until(todos, (v) => v?.length === 7))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // The value never went back to undefined or to an older list, and init ran once; the
    // replayed events came in one frame, so they were one update.
    expect(watched.values.slice(valuesDuringOutage).map((v) => v?.length)).toEqual([6, 7]);
    expect(inits).toBe(1);
  });

  it('re-run init when the gap cannot be replayed', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const todos = stream<Todo[]>(socket, 'app/todos');
    watch(todos);
    await until(todos.status, (s) => s === 'ready');
    let release!: () => void;
    upgradeGate = new Promise((resolve) => (release = resolve));
    dropAll();
    await waitFor(() => server!.runtime.topics.subscriberCount('todos') === 0, 'server saw the drop');
    for (let i = 0; i < 300; i++) add(`missed ${i}`);
    release();
    upgradeGate = undefined;
    const value = await until(todos, (v) => v?.length === 301, 'fresh snapshot');
    expect(value).toEqual(db);
    expect(inits).toBe(2);
    add('after');
    expect((await until(todos, (v) => v?.length === 302))?.at(-1)).toMatchObject({ text: 'after' });
  });

  it('resume from where they stopped when resubscribed after everyone left', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const log = stream<Todo[]>(socket, 'app/log');
    const first = record(log);
    await until(log.status, (s) => s === 'ready');
    add('a');
    await until(log, (v) => v?.length === 1);
    first.stop();
    await waitFor(() => server!.runtime.topics.subscriberCount('todos') === 0, 'unsubscribed');
    add('b');
    watch(log);
    expect(ids(await until(log, (v) => v?.length === 2))).toEqual([1, 2]);
  });

  it('send nothing when unsubscribed while init is still running, and subscribe cleanly again', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const gate = deferred();
    initGate = gate.promise;
    const todos = stream<Todo[]>(socket, 'app/todos');
    const first = record(todos);
    await waitFor(() => inits === 1, 'init running');
    const status = record(todos.status);
    expect(status.values.at(-1)).toBe('loading');
    first.stop();
    expect(status.values.at(-1)).toBe('idle');
    status.stop();
    await waitFor(() => server!.runtime.topics.subscriberCount('todos') === 0, 'unsubscribed');
    gate.resolve();
    expect(first.values).toEqual([undefined]);
    // A round trip later, still nothing arrived.
    await socket.call('app/none', []).catch(() => {});
    expect(first.values).toEqual([undefined]);
    initGate = undefined;
    watch(todos);
    expect(ids(await until(todos, (v) => v !== undefined))).toEqual([0]);
    expect(server!.runtime.topics.subscriberCount('todos')).toBe(1);
  });

  it('share one topic between several stores, each with its own merge', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const todos = stream<Todo[]>(socket, 'app/todos');
    const log = stream<Todo[]>(socket, 'app/log');
    const last = stream<Todo>(socket, 'app/last');
    const again = watch(todos);
    watch(todos);
    const logWatch = watch(log);
    watch(last);
    for (const s of [todos, log, last]) await until(s.status, (v) => v === 'ready');
    // Two subscribers of one store share one server subscription.
    const conn = [...server!.runtime.connections.values()][0];
    expect(conn.subscriptions.size).toBe(3);
    add('x');
    add('y');
    expect(ids(await until(todos, (v) => v?.length === 3))).toEqual([0, 1, 2]);
    expect(ids(await until(log, (v) => v?.length === 2))).toEqual([1, 2]);
    expect(await until(last, (v) => v?.id === 2)).toEqual({ id: 2, text: 'y' });
    // One store leaving does not stop the others.
    logWatch.stop();
    again.stop();
    await waitFor(() => conn.subscriptions.size === 2, 'log unsubscribed');
    add('z');
    expect(ids(await until(todos, (v) => v?.length === 4))).toEqual([0, 1, 2, 3]);
    expect(await until(last, (v) => v?.id === 3)).toMatchObject({ text: 'z' });
  });

  it('keep dynamic topics apart on one socket', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    const a = stream<Todo[]>(socket, 'app/room', ['a']);
    const b = stream<Todo[]>(socket, 'app/room', ['b']);
    watch(a);
    const bValues = watch(b);
    await until(a, (v) => v?.[0]?.text === 'welcome to a');
    await until(b, (v) => v?.[0]?.text === 'welcome to b');
    server!.runtime.publish('room:a', 'created', { id: 1, text: 'only in a' });
    expect((await until(a, (v) => v?.length === 2))?.[1].text).toBe('only in a');
    server!.runtime.publish('room:b', 'created', { id: 1, text: 'only in b' });
    await until(b, (v) => v?.length === 2);
    expect(bValues.values.flat().map((t) => t?.text)).not.toContain('only in a');
  });
});

describe('a gap in sequence numbers', () => {
  it('makes the store start over from init instead of folding past the hole', async () => {
    // A scripted server on a real socket: it skips seq 2, which the runtime never does, to
    // reach the client's own guard against gaps.
    const { WebSocketServer } = await import('ws');
    const { decodeFrame, encodeFrame } = await import('../../runtime/server/frames.js');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    cleanups.push(() => wss.close());
    const received: { t: string; id: number; from?: unknown }[] = [];
    let snapshots = 0;
    wss.on('connection', (ws) => {
      ws.send(encodeFrame([{ t: 'hello', connection: 'scripted', maxFrame: 1 << 20, maxMessages: 128 }]));
      ws.on('message', (data) => {
        for (const message of decodeFrame(data.toString()) as { t: string; id: number; from?: unknown }[]) {
          received.push(message);
          if (message.t !== 'sub') continue;
          const merge = { merge: 'latest' as const, key: 'id', max: 50 };
          const position = { epoch: 'e', seq: snapshots === 0 ? 0 : 5 };
          const data = snapshots === 0 ? ['initial'] : ['fresh'];
          snapshots++;
          ws.send(encodeFrame([{ t: 'snapshot', id: message.id, topic: 'feed', position, merge, data }]));
          if (snapshots === 1) {
            ws.send(encodeFrame([{ t: 'event', topic: 'feed', seq: 1, event: 'created', data: 'one' }]));
            ws.send(encodeFrame([{ t: 'event', topic: 'feed', seq: 3, event: 'created', data: 'three' }]));
          } else {
            ws.send(encodeFrame([{ t: 'event', topic: 'feed', seq: 6, event: 'created', data: 'six' }]));
          }
        }
      });
    });
    const { port } = wss.address() as { port: number };
    const socket = clientSocket(`ws://127.0.0.1:${port}`);
    const feed = stream<string[]>(socket, 'app/feed');
    const watched = watch(feed);
    expect(await until(feed, (v) => v?.includes('six') === true, 'fresh value')).toEqual(['fresh', 'six']);
    expect(watched.values).toEqual([undefined, ['initial'], ['initial', 'one'], ['fresh'], ['fresh', 'six']]);
    // Unsubscribed the old id, subscribed again from scratch (no `from`).
    expect(received.map((m) => m.t)).toEqual(['sub', 'unsub', 'sub']);
    expect(received[2]).not.toHaveProperty('from');
  });
});
