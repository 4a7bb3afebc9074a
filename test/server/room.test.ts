import { afterEach, describe, expect, it } from 'vitest';
import { guard, live } from '../../runtime/server/handlers.js';
import { LiveError } from '../../runtime/server/errors.js';
import type { ServerMessage } from '../../runtime/protocol.js';
import { module, startServer, TestClient, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => server?.close());

interface User {
  id: string;
  name: string;
}
const asUser = (id: string) => ({ headers: { 'x-user': id } });
const hooks = { upgrade: ({ request }: { request: Request }) => ({ id: request.headers.get('x-user') ?? 'anon', name: (request.headers.get('x-user') ?? 'anon').toUpperCase() }) as never };
const isEvent = (topic: string, event?: string, id?: string) => (m: ServerMessage) =>
  m.t === 'event' && m.topic === topic && (!event || m.event === event) && (!id || (m.data as { id?: string }).id === id);

describe('presence streams', () => {
  const online = live.stream('online', (ctx) => ({ id: (ctx.user as User).id, name: (ctx.user as User).name }), { merge: 'presence' });

  it('join by key, count several tabs of one user once, and leave when the last tab closes', async () => {
    server = await startServer({ modules: [module('app', { online })], hooks });
    const watcher = await TestClient.connect(server.url, asUser('wes'));
    expect(await watcher.subscribe('app/online')).toMatchObject({ t: 'snapshot', data: [{ id: 'wes', name: 'WES' }], merge: { merge: 'presence', key: 'id' } });
    const tab1 = await TestClient.connect(server.url, asUser('ann'));
    const tab2 = await TestClient.connect(server.url, asUser('ann'));
    expect(await tab1.subscribe('app/online')).toMatchObject({ data: [{ id: 'wes' }, { id: 'ann' }] });
    // Each subscriber also sees its own join (folded in by key, so it changes nothing).
    expect(await watcher.next(isEvent('online'))).toMatchObject({ event: 'join', data: { id: 'wes' } });
    expect(await watcher.next(isEvent('online'))).toMatchObject({ event: 'join', data: { id: 'ann', name: 'ANN' } });
    expect(await tab2.subscribe('app/online')).toMatchObject({ data: [{ id: 'wes' }, { id: 'ann' }] });
    tab1.close();
    await tab1.closed;
    // ann still has a tab open: no leave yet. One more join proves the order of what wes saw.
    const cid = await TestClient.connect(server.url, asUser('cid'));
    await cid.subscribe('app/online');
    expect(await watcher.next(isEvent('online'))).toMatchObject({ event: 'join', data: { id: 'cid' } });
    tab2.close();
    expect(await watcher.next(isEvent('online'))).toMatchObject({ event: 'leave', data: { id: 'ann' } });
    watcher.close();
    cid.close();
  });

  it('never resume: a reconnect joins again', async () => {
    server = await startServer({ modules: [module('app', { online })], hooks });
    const client = await TestClient.connect(server.url, asUser('ann'));
    const first = (await client.subscribe('app/online')) as Extract<ServerMessage, { t: 'snapshot' }>;
    client.close();
    const again = await TestClient.connect(server.url, asUser('ann'));
    expect(await again.subscribe('app/online', [], first.position)).toMatchObject({ t: 'snapshot', data: [{ id: 'ann' }] });
    again.close();
  });

  it('refuse an init that does not say who the member is', async () => {
    const broken = live.stream('broken', () => 'nobody' as unknown as { id: string }, { merge: 'presence' });
    server = await startServer({ modules: [module('app', { broken })] });
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('app/broken')).toMatchObject({ t: 'error', code: 'INTERNAL', message: expect.stringContaining('"id" field') });
    client.close();
  });
});

function board(log: string[] = []) {
  const items: { id: number; text: string }[] = [{ id: 1, text: 'hello' }];
  return live.room({
    init: (_ctx, roomId) => items.map((item) => ({ ...item, roomId })),
    presence: (ctx) => ({ id: (ctx.user as User).id, name: (ctx.user as User).name }),
    cursors: { throttle: 0 },
    actions: {
      add(ctx, text: string) {
        if (!text) throw new LiveError('EMPTY', 'Say something');
        const item = { id: items.length + 1, text };
        items.push(item);
        ctx.room.publish('created', item);
        return item;
      }
    },
    onJoin: (ctx, member) => log.push(`join ${ctx.room.id} ${member.id}`),
    onLeave: (ctx, member) => log.push(`leave ${ctx.room.id} ${member.id}`)
  });
}

describe('live.room', () => {
  it('bundles data, presence, cursors and actions under one id', async () => {
    const log: string[] = [];
    server = await startServer({ modules: [module('collab', { board: board(log) })], hooks });
    const ann = await TestClient.connect(server.url, asUser('ann'));
    const bob = await TestClient.connect(server.url, asUser('bob'));
    expect(await ann.subscribe('collab/board', ['r1', 'data'])).toMatchObject({
      t: 'snapshot',
      topic: '@room:collab/board:r1:data',
      merge: { merge: 'crud' },
      data: [{ id: 1, text: 'hello', roomId: 'r1' }]
    });
    expect(await ann.subscribe('collab/board', ['r1', 'presence'])).toMatchObject({ merge: { merge: 'presence' }, data: [{ id: 'ann' }] });
    expect(await ann.subscribe('collab/board', ['r1', 'cursors'])).toMatchObject({ merge: { merge: 'cursor' }, data: [] });
    await bob.subscribe('collab/board', ['r1', 'presence']);
    await bob.subscribe('collab/board', ['r1', 'cursors']);
    expect(await ann.next(isEvent('@room:collab/board:r1:presence', 'join', 'bob'))).toMatchObject({ data: { id: 'bob', name: 'BOB' } });
    expect(log).toEqual(['join r1 ann', 'join r1 bob']);

    expect(await bob.call('collab/board', 'r1', 'add', 'hi all')).toMatchObject({ t: 'result', data: { id: 2, text: 'hi all' } });
    expect(await ann.next(isEvent('@room:collab/board:r1:data', 'created'))).toMatchObject({ data: { text: 'hi all' } });
    expect(await bob.call('collab/board', 'r1', 'moveCursor', 1)).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(await bob.call('collab/board', 'r1', '~cursor', { x: 5, y: 6 })).toMatchObject({ t: 'result' });
    expect(await ann.next(isEvent('@room:collab/board:r1:cursors', 'moves'))).toMatchObject({ data: [{ key: 'user:bob', data: { x: 5, y: 6 } }] });

    bob.close();
    expect(await ann.next(isEvent('@room:collab/board:r1:presence', 'leave'))).toMatchObject({ data: { id: 'bob' } });
    expect(await ann.next(isEvent('@room:collab/board:r1:cursors', 'leave'))).toMatchObject({ data: { key: 'user:bob' } });
    await waitFor(() => log.length === 3, 'onLeave');
    expect(log.at(-1)).toBe('leave r1 bob');
    ann.close();
  });

  it('keeps rooms apart', async () => {
    server = await startServer({ modules: [module('collab', { board: board() })], hooks });
    const ann = await TestClient.connect(server.url, asUser('ann'));
    await ann.subscribe('collab/board', ['r1', 'presence']);
    const bob = await TestClient.connect(server.url, asUser('bob'));
    expect(await bob.subscribe('collab/board', ['r2', 'presence'])).toMatchObject({ data: [{ id: 'bob' }] });
    ann.close();
    bob.close();
  });

  it('refuses bad ids, parts and actions with typed errors', async () => {
    server = await startServer({ modules: [module('collab', { board: board(), quiet: live.room({ init: () => [], cursors: false }) })], hooks });
    const client = await TestClient.connect(server.url, asUser('ann'));
    expect(await client.subscribe('collab/board', ['', 'data'])).toMatchObject({ t: 'error', code: 'BAD_ROOM' });
    expect(await client.subscribe('collab/board', ['r1', 'secrets'])).toMatchObject({ t: 'error', code: 'MALFORMED' });
    expect(await client.subscribe('collab/quiet', ['r1', 'cursors'])).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    expect(await client.call('collab/board', 'r1', 'nope')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(await client.call('collab/board', 'r1', '__proto__')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(await client.call('collab/board', 'r1', 'constructor')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(await client.call('collab/board', 42, 'add', 'x')).toMatchObject({ t: 'error', code: 'BAD_ROOM' });
    expect(await client.call('collab/board', 'r1', 'add', '')).toMatchObject({ t: 'error', code: 'EMPTY' });
    expect(await client.call('collab/board', 'r1', '~cursor', { x: 1 })).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    client.close();
  });

  it("is refused by its module's guard: subscriptions and actions", async () => {
    const auth = guard((ctx) => (ctx.user as User).id !== 'mallory');
    server = await startServer({ modules: [module('collab', { auth, board: board() })], hooks });
    const client = await TestClient.connect(server.url, asUser('mallory'));
    expect(await client.subscribe('collab/board', ['r1', 'presence'])).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    expect(await client.call('collab/board', 'r1', 'add', 'x')).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    client.close();
  });

  it("paces hot data on the room's data stream: throttle sends the first and the last of a burst, debounce only the last", async () => {
    const notes = live.room({
      init: () => [{ id: 'n1', text: '' }],
      actions: {
        type(ctx, text: string) {
          ctx.room.throttle('updated', { id: 'n1', text }, 1000);
        },
        settle(ctx, text: string) {
          ctx.room.debounce('updated', { id: 'n2', text }, 1000);
        }
      }
    });
    server = await startServer({ modules: [module('collab', { notes })], hooks });
    const ann = await TestClient.connect(server.url, asUser('ann'));
    const bob = await TestClient.connect(server.url, asUser('bob'));
    await bob.subscribe('collab/notes', ['r1', 'data']);
    for (const text of ['h', 'he', 'hel', 'hell', 'hello']) await ann.call('collab/notes', 'r1', 'type', text);
    for (const text of ['a', 'ab', 'abc']) await ann.call('collab/notes', 'r1', 'settle', text);
    const topic = '@room:collab/notes:r1:data';
    const received: string[] = [];
    while (!received.includes('n1:hello') || !received.includes('n2:abc')) {
      const { data } = (await bob.next(isEvent(topic))) as { data: { id: string; text: string } };
      received.push(`${data.id}:${data.text}`);
    }
    // Within one window (1 s, far longer than these calls take): the first typed at once, then
    // the last; the settled text once.
    expect(received.filter((r) => r.startsWith('n1:'))).toEqual(['n1:h', 'n1:hello']);
    expect(received.filter((r) => r.startsWith('n2:'))).toEqual(['n2:abc']);
    ann.close();
    bob.close();
  });
});
