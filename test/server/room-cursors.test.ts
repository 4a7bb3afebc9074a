/**
 * A room's cursors for a crowd, public profiles, cursors shared without receiving the others',
 * and presence watched without entering: real servers, real sockets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { guard, live } from '../../runtime/server/handlers.js';
import { applyEvent } from '../../runtime/merge.js';
import type { LiveContext } from '../../runtime/server/context.js';
import type { MergeOptions, ServerMessage } from '../../runtime/protocol.js';
import { module, sleep, startServer, TestClient, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface User {
  id: string;
  name: string;
}
const asUser = (id: string) => ({ headers: { 'x-user': id } });
const hooks = {
  upgrade: ({ request }: { request: Request }) => {
    const id = request.headers.get('x-user');
    return (id ? { id, name: id.toUpperCase(), secret: `password-of-${id}` } : null) as never;
  }
};
const colorOf = (id: string) => `hsl(${id.length * 40} 70% 50%)`;

type Entry = { key: string; data: unknown; user?: unknown };
const TOPIC = '@room:collab/board:r1';
const isEvent = (part: string, event?: string) => (m: ServerMessage) => m.t === 'event' && m.topic === `${TOPIC}:${part}` && (!event || m.event === event);

function board(tick = 16) {
  return live.room({
    init: () => [],
    select: (user) => (user ? { name: (user as User).name, color: colorOf((user as User).id) } : { name: 'guest', color: 'gray' }),
    cursors: { tick, maxBytes: 64 },
    onJoin: () => {}
  });
}

describe('room cursors', () => {
  it('coalesce many movers into one frame per tick carrying each at its last position; leave still arrives', async () => {
    server = await startServer({ modules: [module('collab', { board: board(40) })], hooks });
    const watcher = await TestClient.connect(server.url, asUser('wes'));
    await watcher.subscribe('collab/board', ['r1', 'cursors']);
    const movers = await Promise.all(['ann', 'bob', 'cid', 'dee'].map((id) => TestClient.connect(server!.url, asUser(id))));
    for (const mover of movers) expect(await mover.subscribe('collab/board', ['r1', 'share-cursor'])).toMatchObject({ t: 'snapshot', data: null });
    // Every mover sends a burst at once; the frames that reach the watcher fold to each one's last position.
    await Promise.all(movers.map(async (mover, i) => {
      for (let x = 1; x <= 10; x++) await mover.call('collab/board', 'r1', '~cursor', { x, i });
    }));
    const merge: MergeOptions = { merge: 'cursor', key: 'key', max: 50 };
    let value: unknown = [];
    await waitFor(() => {
      for (const event of watcher.events(`${TOPIC}:cursors`)) {
        expect(event.event).toBe('moves');
        value = applyEvent(value, event.event, event.data, merge);
      }
      return (value as Entry[]).length === 4 && (value as Entry[]).every((entry) => (entry.data as { x: number }).x === 10) && value;
    }, 'every last position');
    const byKey = (a: Entry, b: Entry) => a.key.localeCompare(b.key);
    expect((value as Entry[]).slice().sort(byKey)).toEqual(
      ['ann', 'bob', 'cid', 'dee'].map((id, i) => ({ key: `user:${id}`, data: { x: 10, i }, user: { name: id.toUpperCase(), color: colorOf(id) } }))
    );
    movers[1]!.close();
    expect(await watcher.next(isEvent('cursors', 'leave'))).toMatchObject({ data: { key: 'user:bob', data: { x: 10 }, user: { name: 'BOB' } } });
    for (const client of [watcher, ...movers]) client.close();
  });

  it('1 000 movers on one room: a new subscriber gets its init, then at most one frame per tick, and every last position', async () => {
    const tick = 16;
    const crowd = board(tick);
    server = await startServer({ modules: [module('collab', { board: crowd })], hooks });
    const runtime = server.runtime;
    const topic = `${TOPIC}:cursors`;
    // The crowd is simulated in process (1 000 sockets would swamp a small machine): each mover
    // is a member with its own user and connection, sharing its cursor as a socket would.
    const publish = (t: string, event: string, data: unknown) => runtime.publish(t, event, data);
    const movers = Array.from({ length: 1000 }, (_, i) => {
      const user = { id: `m${i}`, name: `M${i}` };
      // What a room's cursors read of a ctx: the user, the connection and publish.
      return { user, connectionId: `c${i}`, connection: `c${i}`, publish } as unknown as LiveContext;
    });
    const leaves = movers.map((ctx, i) => crowd.join({ path: 'collab/board', topic: `${TOPIC}:share-cursor`, ctx, args: ['r1', 'share-cursor'], id: i + 1 }));
    let round = 0;
    const moveAll = async () => {
      round++;
      await Promise.all(movers.map((ctx, i) => crowd.call(ctx, ['r1', '~cursor', { x: i, round }])));
    };
    await moveAll();
    const timer = setInterval(() => void moveAll(), 50);
    try {
      await sleep(120);
      const page = await TestClient.connect(server.url, asUser('newcomer'));
      // No frame can be made for this page before it subscribes: count from here.
      const start = Date.now();
      const snapshot = (await page.subscribe('collab/board', ['r1', 'cursors'])) as ServerMessage & { data: Entry[] };
      expect(snapshot).toMatchObject({ t: 'snapshot' });
      expect(snapshot.data).toHaveLength(1000);
      expect(snapshot.data[0]).toMatchObject({ key: 'user:m0', user: { name: 'M0' } });
      await waitFor(() => page.messages.filter(isEvent('cursors', 'moves')).length >= 10, 'ten frames', 10_000);
      const elapsed = Date.now() - start;
      const frames = page.events(topic);
      // At most one frame per tick (the first may come at once), each carrying many movers.
      expect(frames.length).toBeLessThanOrEqual(Math.ceil(elapsed / tick) + 2);
      const carried = frames.reduce((sum, frame) => sum + (frame.data as Entry[]).length, 0);
      expect(carried / frames.length).toBeGreaterThan(100);
    } finally {
      clearInterval(timer);
    }
    // The crowd stops: the last position of every mover reaches a subscriber.
    await moveAll();
    const finalRound = round;
    const late = await TestClient.connect(server.url, asUser('late'));
    let value = ((await late.subscribe('collab/board', ['r1', 'cursors'])) as unknown as { data: Entry[] }).data as unknown;
    const merge: MergeOptions = { merge: 'cursor', key: 'key', max: 50 };
    await waitFor(() => {
      for (const event of late.events(topic)) value = applyEvent(value, event.event, event.data, merge);
      return (value as Entry[]).length === 1000 && (value as Entry[]).every((entry) => (entry.data as { round: number }).round === finalRound);
    }, 'every final position');
    for (const leave of leaves.slice(0, 10)) leave?.();
    await waitFor(() => late.messages.filter(isEvent('cursors', 'leave')).length === 10, 'ten leaves');
    for (const leave of leaves) leave?.();
    late.close();
  }, 20_000);
});

describe('sharing a cursor without receiving the others', () => {
  it('lists the sharer with its profile, sends it nothing, and takes it out when it stops or its socket closes', async () => {
    server = await startServer({ modules: [module('collab', { board: board(0) })], hooks });
    const page = await TestClient.connect(server.url, asUser('ann'));
    await page.subscribe('collab/board', ['r1', 'cursors']);
    const bot = await TestClient.connect(server.url, asUser('bot'));
    const share = await bot.subscribe('collab/board', ['r1', 'share-cursor']);
    expect(share).toMatchObject({ t: 'snapshot', data: null, merge: { merge: 'set' } });
    expect(await bot.call('collab/board', 'r1', '~cursor', { x: 1 })).toMatchObject({ t: 'result' });
    expect(await page.next(isEvent('cursors', 'moves'))).toMatchObject({ data: [{ key: 'user:bot', data: { x: 1 }, user: { name: 'BOT', color: colorOf('bot') } }] });
    // Ann's moves never reach the bot.
    await page.call('collab/board', 'r1', '~cursor', { x: 2 });
    await page.next(isEvent('cursors', 'moves'));
    await sleep(50);
    expect(bot.messages.filter((m) => m.t === 'event')).toEqual([]);
    // Stopping (unsubscribing) takes the cursor out; a move after it is refused.
    bot.send({ t: 'unsub', id: share.id });
    expect(await page.next(isEvent('cursors', 'leave'))).toMatchObject({ data: { key: 'user:bot' } });
    expect(await bot.call('collab/board', 'r1', '~cursor', { x: 3 })).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    // Sharing again, then closing the socket: it leaves too.
    await bot.subscribe('collab/board', ['r1', 'share-cursor']);
    await bot.call('collab/board', 'r1', '~cursor', { x: 4 });
    expect(await page.next(isEvent('cursors', 'moves'))).toMatchObject({ data: [{ key: 'user:bot', data: { x: 4 } }] });
    bot.close();
    expect(await page.next(isEvent('cursors', 'leave'))).toMatchObject({ data: { key: 'user:bot', data: { x: 4 } } });
    page.close();
  });

  it('refuses oversized or unsendable positions, moves without a share, bad parts, and what the guard refuses', async () => {
    const auth = guard((ctx) => (ctx.user as User | null)?.id !== 'mallory');
    server = await startServer({ modules: [module('collab', { auth, board: board(0), quiet: live.room({ init: () => [], cursors: false }) })], hooks });
    const ann = await TestClient.connect(server.url, asUser('ann'));
    expect(await ann.call('collab/board', 'r1', '~cursor', { x: 1 })).toMatchObject({ t: 'error', code: 'FORBIDDEN', message: expect.stringContaining('shareCursor') });
    await ann.subscribe('collab/board', ['r1', 'share-cursor']);
    expect(await ann.call('collab/board', 'r1', '~cursor', { text: 'x'.repeat(100) })).toMatchObject({ t: 'error', code: 'BAD_CURSOR', message: expect.stringContaining('64') });
    expect(await ann.call('collab/board', 'r1', '~cursor')).toMatchObject({ t: 'error', code: 'BAD_CURSOR' });
    for (const part of ['secrets', 'Cursors', '__proto__', 42, null, 'share-cursor ']) {
      expect(await ann.subscribe('collab/board', ['r1', part])).toMatchObject({ t: 'error', code: 'MALFORMED' });
    }
    expect(await ann.subscribe('collab/quiet', ['r1', 'share-cursor'])).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    expect(await ann.subscribe('collab/board', ['x'.repeat(200), 'share-cursor'])).toMatchObject({ t: 'error', code: 'BAD_ROOM' });
    const mallory = await TestClient.connect(server.url, asUser('mallory'));
    expect(await mallory.subscribe('collab/board', ['r1', 'share-cursor'])).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    expect(await mallory.call('collab/board', 'r1', '~cursor', { x: 1 })).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    // A client names no key: whatever it sends, the cursor it moves is its own.
    const page = await TestClient.connect(server.url, asUser('pat'));
    await page.subscribe('collab/board', ['r1', 'cursors']);
    expect(await ann.call('collab/board', 'r1', '~cursor', { key: 'user:pat', x: 1 })).toMatchObject({ t: 'result' });
    expect(await page.next(isEvent('cursors', 'moves'))).toMatchObject({ data: [{ key: 'user:ann', data: { key: 'user:pat', x: 1 } }] });
    for (const client of [ann, mallory, page]) client.close();
  });

  it('refuses a room whose action would hide behind a field of the page\'s room object', () => {
    expect(() => live.room({ init: () => [], actions: { watch: () => 1 } })).toThrow(/may not be named watch/);
    expect(() => live.room({ init: () => [], presence: (ctx) => ({ id: ctx.connectionId }), select: () => ({}) })).toThrow(/presence or select, not both/);
    expect(() => live.room({ init: () => [], cursors: { tick: -1 } })).toThrow(/tick/);
  });
});

describe('profiles and watch-only presence', () => {
  it('shows the profile select returns on presence entries keyed like cursors, and never the rest of the user', async () => {
    server = await startServer({ modules: [module('collab', { board: board(0) })], hooks });
    const ann = await TestClient.connect(server.url, asUser('ann'));
    expect(await ann.subscribe('collab/board', ['r1', 'presence'])).toMatchObject({
      merge: { merge: 'presence', key: 'key' },
      data: [{ key: 'user:ann', user: { name: 'ANN', color: colorOf('ann') } }]
    });
    const guest = await TestClient.connect(server.url);
    const snapshot = (await guest.subscribe('collab/board', ['r1', 'presence'])) as unknown as { data: Entry[] };
    expect(snapshot.data).toEqual([
      { key: 'user:ann', user: { name: 'ANN', color: colorOf('ann') } },
      { key: expect.stringMatching(/^connection:/), user: { name: 'guest', color: 'gray' } }
    ]);
    expect(JSON.stringify(snapshot)).not.toContain('password');
    ann.close();
    guest.close();
  });

  it('counts members without the watcher, who still sees them join and leave', async () => {
    const joins: string[] = [];
    const lobby = live.room({ init: () => [], presence: (ctx) => ({ id: (ctx.user as User).id }), onJoin: (_ctx, member) => joins.push(member.id) });
    server = await startServer({ modules: [module('collab', { lobby })], hooks });
    const home = await TestClient.connect(server.url, asUser('home'));
    expect(await home.subscribe('collab/lobby', ['r1', 'watch'])).toMatchObject({ t: 'snapshot', topic: '@room:collab/lobby:r1:presence', data: [], merge: { merge: 'presence' } });
    const ann = await TestClient.connect(server.url, asUser('ann'));
    expect(await ann.subscribe('collab/lobby', ['r1', 'presence'])).toMatchObject({ data: [{ id: 'ann' }] });
    expect(await home.next((m) => m.t === 'event' && m.event === 'join')).toMatchObject({ data: { id: 'ann' } });
    // A second watcher is not counted either; the members are only ann.
    const other = await TestClient.connect(server.url, asUser('other'));
    expect(await other.subscribe('collab/lobby', ['r1', 'watch'])).toMatchObject({ data: [{ id: 'ann' }] });
    expect(joins).toEqual(['ann']);
    ann.close();
    expect(await home.next((m) => m.t === 'event' && m.event === 'leave')).toMatchObject({ data: { id: 'ann' } });
    for (const client of [home, other]) client.close();
  });

  it("watches a presence stream, static or by argument, without entering it", async () => {
    const online = live.stream('online', (ctx) => ({ id: (ctx.user as User).id }), { merge: 'presence' });
    const hall = live.stream((_ctx, name: string) => `hall:${name}`, (ctx) => ({ id: (ctx.user as User).id }), { merge: 'presence' });
    server = await startServer({ modules: [module('app', { online, hall })], hooks });
    const home = await TestClient.connect(server.url, asUser('home'));
    expect(await home.subscribe('app/online', ['~watch'])).toMatchObject({ t: 'snapshot', topic: 'online', data: [] });
    expect(await home.subscribe('app/hall', ['east', '~watch'])).toMatchObject({ t: 'snapshot', topic: 'hall:east', data: [] });
    const ann = await TestClient.connect(server.url, asUser('ann'));
    expect(await ann.subscribe('app/online')).toMatchObject({ data: [{ id: 'ann' }] });
    expect(await ann.subscribe('app/hall', ['east'])).toMatchObject({ data: [{ id: 'ann' }] });
    expect(await home.next((m) => m.t === 'event' && m.topic === 'online' && m.event === 'join')).toMatchObject({ data: { id: 'ann' } });
    expect(await home.next((m) => m.t === 'event' && m.topic === 'hall:east' && m.event === 'join')).toMatchObject({ data: { id: 'ann' } });
    ann.close();
    expect(await home.next((m) => m.t === 'event' && m.topic === 'online' && m.event === 'leave')).toMatchObject({ data: { id: 'ann' } });
    // The watcher never entered: a newcomer sees only themself.
    const bob = await TestClient.connect(server.url, asUser('bob'));
    expect(await bob.subscribe('app/online')).toMatchObject({ data: [{ id: 'bob' }] });
    for (const client of [home, bob]) client.close();
  });
});
