import { afterEach, describe, expect, it } from 'vitest';
import { guard, live } from '../../runtime/server/handlers.js';
import { LiveError } from '../../runtime/server/errors.js';
import { module, startServer, TestClient, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => server?.close());

const asUser = (id: string) => ({ headers: { 'x-user': id } });
const hooks = { upgrade: ({ request }: { request: Request }) => ({ id: request.headers.get('x-user') ?? 'anon' }) as never };

describe('live.channel', () => {
  it('delivers client publishes to subscribers, with no init and nothing stored', async () => {
    const typing = live.channel('typing', { publish: true });
    server = await startServer({ modules: [module('chat', { typing })] });
    const a = await TestClient.connect(server.url);
    const b = await TestClient.connect(server.url);
    expect(await b.subscribe('chat/typing')).toMatchObject({ t: 'snapshot', topic: 'typing', data: undefined, merge: { merge: 'set' } });
    expect(await a.call('chat/typing', [], 'start', { name: 'ann' })).toMatchObject({ t: 'result' });
    expect(await b.next((m) => m.t === 'event')).toMatchObject({ topic: 'typing', event: 'start', data: { name: 'ann' } });
    // A late subscriber starts from nothing: a channel keeps no history.
    const c = await TestClient.connect(server.url);
    expect(await c.subscribe('chat/typing')).toMatchObject({ t: 'snapshot', data: undefined });
    for (const client of [a, b, c]) client.close();
  });

  it('refuses client publishes by default, and where the publish check says no', async () => {
    const news = live.channel('news');
    const shouts = live.channel('shouts', { merge: 'latest', publish: (_ctx, _event, data: string) => typeof data === 'string' && data.length < 10 });
    server = await startServer({ modules: [module('chat', { news, shouts })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('chat/news', [], 'created', 'x')).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    expect(await client.subscribe('chat/shouts')).toMatchObject({ t: 'snapshot', data: [] });
    expect(await client.call('chat/shouts', [], 'shout', 'a very long shout')).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    expect(await client.call('chat/shouts', [], 'shout', 'hey')).toMatchObject({ t: 'result' });
    expect(await client.next((m) => m.t === 'event')).toMatchObject({ event: 'shout', data: 'hey' });
    client.close();
  });

  it('refuses malformed publishes with typed errors', async () => {
    server = await startServer({ modules: [module('chat', { open: live.channel('open', { publish: true }) })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('chat/open', 'not-an-array', 'e', 1)).toMatchObject({ t: 'error', code: 'MALFORMED' });
    expect(await client.call('chat/open', [], '', 1)).toMatchObject({ t: 'error', code: 'MALFORMED' });
    expect(await client.call('chat/open', [], 'x'.repeat(65), 1)).toMatchObject({ t: 'error', code: 'MALFORMED' });
    expect(await client.call('chat/open', [], 'e', 1, 'extra')).toMatchObject({ t: 'error', code: 'MALFORMED' });
    client.close();
  });

  it('has dynamic topics: one channel per argument list', async () => {
    const typing = live.channel((_ctx, room: string) => `typing:${room}`, { publish: true });
    server = await startServer({ modules: [module('chat', { typing })] });
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('chat/typing', ['a'])).toMatchObject({ topic: 'typing:a' });
    await client.call('chat/typing', ['b'], 'start', 1);
    await client.call('chat/typing', ['a'], 'start', 2);
    expect(await client.next((m) => m.t === 'event')).toMatchObject({ topic: 'typing:a', data: 2 });
    expect(client.events('typing:b')).toEqual([]);
    client.close();
  });

  it("is refused by its module's guard, for subscribe and publish", async () => {
    const auth = guard(() => {
      throw new LiveError('UNAUTHORIZED', 'Log in first');
    });
    server = await startServer({ modules: [module('chat', { auth, typing: live.channel('typing', { publish: true }) })] });
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('chat/typing')).toMatchObject({ t: 'error', code: 'UNAUTHORIZED' });
    expect(await client.call('chat/typing', [], 'start', 1)).toMatchObject({ t: 'error', code: 'UNAUTHORIZED' });
    client.close();
  });
});

describe('cursor channels', () => {
  it('keep the latest position per user, one frame per tick, and drop it when the user leaves', async () => {
    const pointers = live.channel('pointers', { merge: 'cursor', publish: true, tick: 10_000 });
    server = await startServer({ modules: [module('board', { pointers })], hooks });
    const ann = await TestClient.connect(server.url, asUser('ann'));
    const bob = await TestClient.connect(server.url, asUser('bob'));
    expect(await ann.subscribe('board/pointers')).toMatchObject({ t: 'snapshot', data: [], merge: { merge: 'cursor', key: 'key' } });
    await bob.subscribe('board/pointers');
    // The first frame goes out at once; what moves after it waits for the next tick (10 s here).
    await ann.call('board/pointers', [], 'move', { x: 1 });
    expect(await bob.next((m) => m.t === 'event')).toMatchObject({ event: 'moves', data: [{ key: 'user:ann', data: { x: 1 } }] });
    await ann.call('board/pointers', [], 'move', { x: 2 });
    await ann.call('board/pointers', [], 'move', { x: 3 });
    // A late subscriber gets the positions sent so far in its snapshot; the held ones are not sent yet.
    const cid = await TestClient.connect(server.url, asUser('cid'));
    expect(await cid.subscribe('board/pointers')).toMatchObject({ data: [{ key: 'user:ann', data: { x: 3 } }] });
    expect(bob.events('pointers')).toEqual([]);
    ann.close();
    expect(await bob.next((m) => m.t === 'event' && m.event === 'leave')).toMatchObject({ data: { key: 'user:ann' } });
    bob.close();
    cid.close();
  });

  it('show the profile select returns on each entry, and still read the old throttle option as the tick', async () => {
    const pointers = live.channel('pointers', { merge: 'cursor', publish: true, throttle: 0, select: (user) => ({ name: (user as { id: string }).id.toUpperCase() }) });
    server = await startServer({ modules: [module('board', { pointers })], hooks });
    const ann = await TestClient.connect(server.url, asUser('ann'));
    await ann.subscribe('board/pointers');
    await ann.call('board/pointers', [], 'move', { x: 1 });
    expect(await ann.next((m) => m.t === 'event')).toMatchObject({ event: 'moves', data: [{ key: 'user:ann', data: { x: 1 }, user: { name: 'ANN' } }] });
    ann.close();
  });

  it('refuse moves from a user who is not subscribed, and events other than move', async () => {
    const pointers = live.channel('pointers', { merge: 'cursor', publish: true });
    server = await startServer({ modules: [module('board', { pointers })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('board/pointers', [], 'move', { x: 1 })).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    await client.subscribe('board/pointers');
    expect(await client.call('board/pointers', [], 'jump', { x: 1 })).toMatchObject({ t: 'error', code: 'MALFORMED' });
    expect(await client.call('board/pointers', [], 'move', { x: 1 })).toMatchObject({ t: 'result' });
    // Positions are bounded plain data (default 1024 characters of JSON).
    expect(await client.call('board/pointers', [], 'move', { x: 'x'.repeat(2000) })).toMatchObject({ t: 'error', code: 'BAD_CURSOR' });
    expect(await client.call('board/pointers', [], 'move', undefined)).toMatchObject({ t: 'error', code: 'BAD_CURSOR' });
    client.close();
    await waitFor(() => server!.runtime.topics.subscriberCount('pointers') === 0, 'unsubscribed on close');
  });
});
