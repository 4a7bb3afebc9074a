/**
 * Resume over real sockets: a client that drops and comes back with `from` gets exactly the
 * events it missed, or a fresh snapshot when they cannot be replayed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TopicPosition } from '../../runtime/protocol.js';
import { live } from '../../runtime/server/index.js';
import { module, startServer, TestClient, waitFor, type TestServer } from '../helpers/server.js';

let servers: TestServer[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

let inits = 0;
const todos = {
  todos: live.stream('todos', () => {
    inits++;
    return [{ id: 0, text: 'initial' }];
  }),
  room: live.stream((_ctx, id: string) => `room:${id}`, () => [])
};

async function start(): Promise<TestServer> {
  inits = 0;
  const server = await startServer({ modules: [module('app', todos)] });
  servers.push(server);
  return server;
}

async function connect(server: TestServer): Promise<TestClient> {
  const client = await TestClient.connect(server.url);
  clients.push(client);
  return client;
}

type Event = { t: 'event'; topic: string; seq: number; event: string; data: { id: number } };

async function eventsOf(client: TestClient, topic: string, count: number): Promise<Event[]> {
  const events: Event[] = [];
  while (events.length < count) events.push((await client.next((m) => m.t === 'event' && m.topic === topic)) as Event);
  return events;
}

/** Subscribes, reads `seen` events, then drops the socket; returns the position it reached. */
async function subscribeThenDrop(server: TestServer, seen: number): Promise<TopicPosition> {
  const client = await connect(server);
  const snapshot = (await client.subscribe('app/todos')) as { position: TopicPosition };
  const start = server.runtime.topics.list().find((t) => t.topic === 'todos')!.seq;
  for (let i = 1; i <= seen; i++) server.runtime.publish('todos', 'created', { id: start + i });
  const events = await eventsOf(client, 'todos', seen);
  client.socket.terminate();
  await client.closed;
  await waitFor(() => server.runtime.connections.size === clients.filter((c) => c.socket.readyState === 1).length, 'server saw the drop');
  return { epoch: snapshot.position.epoch, seq: events.at(-1)?.seq ?? snapshot.position.seq };
}

describe('resume', () => {
  it('replays exactly the missed events after a dropped socket, then continues live', async () => {
    const server = await start();
    const last = await subscribeThenDrop(server, 3);
    expect(last.seq).toBe(3);
    // Published while the client is away (nobody else follows the topic: it is retained).
    for (let id = 4; id <= 6; id++) server.runtime.publish('todos', 'created', { id });

    const back = await connect(server);
    const resumed = await back.subscribe('app/todos', [], last);
    expect(resumed).toMatchObject({ t: 'resumed', topic: 'todos', merge: { merge: 'crud', key: 'id' } });
    expect((await eventsOf(back, 'todos', 3)).map((e) => [e.seq, e.data.id])).toEqual([
      [4, 4],
      [5, 5],
      [6, 6]
    ]);
    server.runtime.publish('todos', 'created', { id: 7 });
    expect((await eventsOf(back, 'todos', 1)).map((e) => e.seq)).toEqual([7]);
    // No duplicate and no re-run init.
    await back.call('app/none');
    expect(back.events('todos')).toEqual([]);
    expect(inits).toBe(1);
  });

  it('resumes with nothing to replay when nothing was missed', async () => {
    const server = await start();
    const last = await subscribeThenDrop(server, 2);
    const back = await connect(server);
    expect(await back.subscribe('app/todos', [], last)).toMatchObject({ t: 'resumed' });
    server.runtime.publish('todos', 'updated', { id: 1 });
    expect((await eventsOf(back, 'todos', 1)).map((e) => e.seq)).toEqual([3]);
    expect(inits).toBe(1);
  });

  it('resumes while other clients kept the topic alive, missing nothing they saw', async () => {
    const server = await start();
    const stayer = await connect(server);
    await stayer.subscribe('app/todos');
    const last = await subscribeThenDrop(server, 2);
    for (let id = 3; id <= 5; id++) server.runtime.publish('todos', 'created', { id });
    const back = await connect(server);
    expect(await back.subscribe('app/todos', [], last)).toMatchObject({ t: 'resumed' });
    server.runtime.publish('todos', 'created', { id: 6 });
    expect((await eventsOf(back, 'todos', 4)).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    expect((await eventsOf(stayer, 'todos', 6)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('resumes each dynamic topic from its own position', async () => {
    const server = await start();
    const client = await connect(server);
    const a = (await client.subscribe('app/room', ['a'])) as { position: TopicPosition };
    const b = (await client.subscribe('app/room', ['b'])) as { position: TopicPosition };
    server.runtime.publish('room:a', 'created', { id: 1 });
    await eventsOf(client, 'room:a', 1);
    client.socket.terminate();
    await client.closed;
    server.runtime.publish('room:a', 'created', { id: 2 });
    server.runtime.publish('room:b', 'created', { id: 1 });
    const back = await connect(server);
    expect(await back.subscribe('app/room', ['a'], { epoch: a.position.epoch, seq: 1 })).toMatchObject({ t: 'resumed', topic: 'room:a' });
    expect(await back.subscribe('app/room', ['b'], { epoch: b.position.epoch, seq: 0 })).toMatchObject({ t: 'resumed', topic: 'room:b' });
    expect((await eventsOf(back, 'room:a', 1)).map((e) => e.data.id)).toEqual([2]);
    expect((await eventsOf(back, 'room:b', 1)).map((e) => e.data.id)).toEqual([1]);
  });

  it('sends a fresh snapshot when more events were missed than the history holds', async () => {
    const server = await start();
    const last = await subscribeThenDrop(server, 1);
    for (let id = 2; id <= 400; id++) server.runtime.publish('todos', 'created', { id });
    const back = await connect(server);
    const fresh = await back.subscribe('app/todos', [], last);
    expect(fresh).toMatchObject({ t: 'snapshot', data: [{ id: 0, text: 'initial' }], position: { epoch: last.epoch, seq: 400 } });
    expect(inits).toBe(2);
    server.runtime.publish('todos', 'created', { id: 401 });
    expect((await eventsOf(back, 'todos', 1)).map((e) => e.seq)).toEqual([401]);
  });

  it('replays a gap exactly as large as the history', async () => {
    const server = await start();
    const last = await subscribeThenDrop(server, 0);
    for (let id = 1; id <= 256; id++) server.runtime.publish('todos', 'created', { id });
    const back = await connect(server);
    expect(await back.subscribe('app/todos', [], last)).toMatchObject({ t: 'resumed' });
    const events = await eventsOf(back, 'todos', 256);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 256 }, (_, i) => i + 1));
  });

  it('sends a fresh snapshot when the epoch changed (the server restarted)', async () => {
    const first = await start();
    const last = await subscribeThenDrop(first, 2);
    await first.close();
    servers = servers.filter((s) => s !== first);
    const second = await start();
    const back = await connect(second);
    const fresh = (await back.subscribe('app/todos', [], last)) as { t: string; position: TopicPosition };
    expect(fresh).toMatchObject({ t: 'snapshot', data: [{ id: 0, text: 'initial' }], position: { seq: 0 } });
    expect(fresh.position.epoch).not.toBe(last.epoch);
  });

  it('sends a fresh snapshot for an unknown epoch or a position ahead of the topic', async () => {
    const server = await start();
    const last = await subscribeThenDrop(server, 2);
    const back = await connect(server);
    expect(await back.subscribe('app/todos', [], { epoch: 'bogus', seq: 1 })).toMatchObject({ t: 'snapshot' });
    expect(await back.subscribe('app/todos', [], { epoch: last.epoch, seq: 99 })).toMatchObject({ t: 'snapshot', position: { seq: 2 } });
  });
});
