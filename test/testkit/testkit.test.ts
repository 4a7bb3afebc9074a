/**
 * svelte-realtime/test, as an app's tests use it: the fixture app under ./app is loaded by glob,
 * users connect directly or through its upgrade hook, and everything crosses a real socket.
 */
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createTestServer, RpcError, TestKitError, type TestServer } from '../../runtime/test/index.js';
import * as chat from './app/src/live/chat.js';
import * as users from './app/src/live/admin/users.js';
import * as todos from './app/src/live/todos.js';
import * as board from './app/src/live/board.js';
import * as clock from './app/src/live/clock.js';
import * as studio from './app/src/live/studio.js';
import * as gallery from './app/src/live/gallery.js';
import * as hooks from './app/src/hooks.ws.js';

const modules = import.meta.glob('./app/src/live/**/*.ts', { eager: true });

let server: TestServer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

async function start(options: Partial<Parameters<typeof createTestServer>[0]> = {}): Promise<TestServer> {
  server = await createTestServer({ modules, hooks, ...options });
  return server;
}

describe('svelte-realtime/test', () => {
  it('calls functions and reads a stream as events arrive, typed from the module', async () => {
    const app = await start();
    const alice = await app.connect({ user: { id: 'alice', name: 'Alice' } });
    const { sendMessage, messages } = alice.live(chat);
    const before = await messages.next();
    const sent = await sendMessage('hello');
    expect(sent).toMatchObject({ text: 'hello', author: 'Alice' });
    // The event may have arrived before this line: next() still returns it.
    expect(await messages.next()).toEqual([...before, sent]);
    expect(messages.value).toEqual([...before, sent]);
    expectTypeOf(sendMessage).toEqualTypeOf<(text: string) => Promise<chat.Message>>();
    expectTypeOf(messages.next).returns.resolves.toEqualTypeOf<chat.Message[]>();
  });

  it("another user's call reaches this user's store", async () => {
    const app = await start();
    const alice = await app.connect({ user: { id: 'alice', name: 'Alice' } });
    const bob = await app.connect({ user: { id: 'bob', name: 'Bob' } });
    const seen = alice.live(chat).messages;
    await seen.next();
    await bob.live(chat).sendMessage('from bob');
    expect(await seen.until((list) => list.some((m) => m.text === 'from bob'))).toContainEqual(expect.objectContaining({ author: 'Bob' }));
  });

  it("runs the app's upgrade hook with the cookies and headers given, or skips it with a user", async () => {
    const app = await start();
    const byCookie = await app.connect({ cookies: { session: 'alice-session' } });
    expect(await byCookie.live(chat).whoAmI()).toEqual({ id: 'alice', name: 'Alice' });
    const byHeader = await app.connect({ headers: { authorization: 'Bearer bob' } });
    expect(await byHeader.live(chat).whoAmI()).toEqual({ id: 'bob', name: 'Bob' });
    const guest = await app.connect();
    expect(await guest.live(chat).whoAmI()).toBeNull();
    const given = await app.connect({ user: { id: 'carol', name: 'Carol' }, cookies: { session: 'alice-session' } });
    expect(await given.live(chat).whoAmI()).toEqual({ id: 'carol', name: 'Carol' });
  });

  it("rejects connect() with the upgrade hook's refusal", async () => {
    const app = await start();
    const refused = app.connect({ cookies: { session: 'expired' } });
    await expect(refused).rejects.toBeInstanceOf(RpcError);
    await expect(refused).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'Your session expired; log in again' });
  });

  it('applies guards to calls and streams', async () => {
    const app = await start();
    const guest = await app.connect({ user: null });
    await expect(guest.live(users).count()).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Admins only' });
    await expect(guest.live(users).audit.next()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(guest.live(users).audit.ready()).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Admins only' });
    const admin = await app.connect({ user: { id: 'root', admin: true } });
    expect(await admin.live(users).count()).toBe(3);
    expect(await admin.live(users).audit.next()).toEqual(['started']);
  });

  it('applies validation and rate limits as in production', async () => {
    const app = await start();
    const alice = await app.connect({ user: { id: 'alice' } });
    const { addTodo } = alice.live(todos);
    await expect(addTodo('')).rejects.toMatchObject({ code: 'VALIDATION' });
    await addTodo('one');
    await expect(addTodo('two')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('records every publish with the connection that caused it', async () => {
    const app = await start();
    const alice = await app.connect({ user: { id: 'alice', name: 'Alice' } });
    const message = await alice.live(chat).sendMessage('recorded');
    app.publish('todos', 'created', { id: 'x', title: 'from a form action' });
    expect(app.published).toEqual([
      { topic: 'messages', event: 'created', data: message, connectionId: alice.connectionId },
      { topic: 'todos', event: 'created', data: { id: 'x', title: 'from a form action' }, connectionId: null }
    ]);
  });

  it('gives one store per argument list for a dynamic stream', async () => {
    const app = await start();
    const alice = await app.connect({ user: null });
    const { cards, addCard } = alice.live(board);
    expect(await cards('a').next()).toEqual([{ id: 'a-1', title: 'first card of a' }]);
    expect(cards('a')).toBe(cards('a'));
    await addCard('a', 'second');
    expect(await cards('a').next()).toHaveLength(2);
    expect(await cards('b').next()).toHaveLength(1);
  });

  it('gives rooms, channels and binary functions as a page has them', async () => {
    const app = await start();
    const ada = await app.connect({ user: { id: 'ada', name: 'Ada' } });
    const bob = await app.connect({ user: { id: 'bob', name: 'Bob' } });
    const adaRoom = ada.live(studio).studio('r1');
    const bobRoom = bob.live(studio).studio('r1');
    await adaRoom.presence.next();
    expect(await bobRoom.presence.until((members) => members.length === 2)).toEqual(
      expect.arrayContaining([{ id: 'ada', name: 'Ada' }, { id: 'bob', name: 'Bob' }])
    );
    await bobRoom.data.next();
    const note = await adaRoom.note('hello');
    expect(await bobRoom.data.until((list) => list.length === 1)).toEqual([note]);

    const reactions = bob.live(studio).reactions;
    await reactions.ready();
    await ada.live(studio).reactions.publish('reacted', { emoji: '👍' });
    expect(await reactions.next()).toEqual({ emoji: '👍' });

    expect(await ada.live(studio).echoBytes(new Uint8Array([1, 2, 3]), 'three')).toEqual({ label: 'three', length: 3 });
  });

  it('shares a cursor without receiving the others, watches presence without entering, and types the profiles', async () => {
    const app = await start();
    const ada = await app.connect({ user: { id: 'ada', name: 'Ada' } });
    const bot = await app.connect({ user: { id: 'bot', name: 'Bot' } });
    const home = await app.connect({ user: { id: 'home', name: 'Home' } });
    const room = ada.live(gallery).gallery('g1');
    const watch = home.live(gallery).gallery('g1').watch;
    expect(await watch.next()).toEqual([]);
    await room.presence.next();
    expect(await watch.until((members) => members.length === 1)).toEqual([{ key: 'user:ada', user: { name: 'Ada', color: 'teal' } }]);
    await room.cursors.next();
    const share = bot.live(gallery).gallery('g1').shareCursor();
    await share.move({ x: 1 });
    const cursors = await room.cursors.until((list) => list.some((entry) => entry.key === 'user:bot'));
    expect(cursors).toContainEqual({ key: 'user:bot', data: { x: 1 }, user: { name: 'Bot', color: 'teal' } });
    expectTypeOf(cursors[0]!.user).toEqualTypeOf<{ name: string; color: string }>();
    expectTypeOf(cursors[0]!.data).toEqualTypeOf<{ x: number }>();
    // The room's check refuses what its type guard does not allow.
    await expect(share.move({ y: 1 } as never)).rejects.toMatchObject({ code: 'BAD_CURSOR' });
    expectTypeOf(watch.value!).toEqualTypeOf<{ key: string; user: { name: string; color: string } }[]>();
    share.stop();
    await room.cursors.until((list) => !list.some((entry) => entry.key === 'user:bot'));
    await expect(share.move({ x: 2 })).rejects.toMatchObject({ code: 'STOPPED' });
    // The watcher was never a member.
    expect(watch.value).toEqual([{ key: 'user:ada', user: { name: 'Ada', color: 'teal' } }]);
  });

  it("watches a presence stream without entering it, typed as the stream's own members", async () => {
    const app = await start();
    const ada = await app.connect({ user: { id: 'ada', name: 'Ada' } });
    const home = await app.connect({ user: { id: 'home', name: 'Home' } });
    const watch = home.live(gallery).visitors('east').watch;
    expectTypeOf(watch.value).toEqualTypeOf<{ id: string }[] | undefined>();
    expect(await watch.next()).toEqual([]);
    expect(await ada.live(gallery).visitors('east').next()).toEqual([{ id: 'ada' }]);
    expect(await watch.until((members) => members.length === 1)).toEqual([{ id: 'ada' }]);
    // Another hall is another topic: the watcher of east sees nobody join there.
    expect(await ada.live(gallery).visitors('west').next()).toEqual([{ id: 'ada' }]);
    expect(watch.value).toEqual([{ id: 'ada' }]);
  });

  it('runs a cron job as its schedule would', async () => {
    const app = await start();
    const alice = await app.connect({ user: null });
    const { latestTick } = alice.live(clock);
    const first = await latestTick.next();
    await app.runCron(clock.tick);
    expect(await latestTick.until((n) => n > first)).toBe(first + 1);
    expect(app.published.at(-1)).toMatchObject({ topic: 'ticks', event: 'set', data: first + 1 });
  });

  it('drives a cron job with fake timers started before the server', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:05Z') });
    const app = await start();
    const alice = await app.connect({ user: null });
    const { latestTick } = alice.live(clock);
    const first = await latestTick.next();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await latestTick.next()).toBe(first + 1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await latestTick.next()).toBe(first + 2);
  });

  it('keeps the connection through an advance longer than the heartbeat', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:05Z') });
    const app = await start();
    const alice = await app.connect({ user: null });
    const { latestTick } = alice.live(clock);
    const first = await latestTick.next();
    await vi.advanceTimersByTimeAsync(125_000);
    expect(await latestTick.until((n) => n === first + 13)).toBe(first + 13);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await latestTick.until((n) => n === first + 14)).toBe(first + 14);
  });

  it('shows a production server the generic INTERNAL in place of an unexpected error with dev: false', async () => {
    const boom = { live: (await import('../../runtime/server/index.js')).live };
    const failing = { explode: boom.live(() => { throw new Error('secret detail'); }) };
    server = await createTestServer({ modules: { failing }, dev: false });
    const alice = await server.connect({ user: null });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(alice.live(failing).explode()).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(alice.live(failing).explode()).rejects.not.toMatchObject({ message: expect.stringContaining('secret') });
    log.mockRestore();
  });
});

describe('svelte-realtime/test refuses bad input with a typed error', () => {
  it('no modules', async () => {
    await expect(createTestServer({ modules: {} })).rejects.toMatchObject({ code: 'NO_MODULES' });
    await expect(createTestServer(undefined as never)).rejects.toBeInstanceOf(TestKitError);
  });

  it('a module key outside the live folder', async () => {
    await expect(createTestServer({ modules: { '../lib/chat.ts': chat } })).rejects.toMatchObject({
      code: 'MODULE_PATH',
      message: expect.stringContaining('src/live')
    });
  });

  it('a second server while one is open', async () => {
    await start();
    await expect(createTestServer({ modules })).rejects.toMatchObject({ code: 'SERVER_OPEN' });
  });

  it('a module the server did not load, and runCron on a function', async () => {
    const app = await createTestServer({ modules: { chat } });
    server = app;
    const alice = await app.connect({ user: null });
    expect(() => alice.live(board)).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODULE' }));
    await expect(app.runCron(chat.sendMessage as never)).rejects.toMatchObject({ code: 'NOT_CRON' });
  });

  it('a store that never changes times out with its last value', async () => {
    const app = await start();
    const { messages } = (await app.connect({ user: null })).live(chat);
    await messages.next();
    await expect(messages.next({ timeout: 50 })).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('chat/messages.next()') });
    await expect(messages.next({ timeout: -1 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });

  it('bad options', async () => {
    await expect(createTestServer({ modules, dir: '' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(createTestServer({ modules, hooks: 'hooks.ws' as never })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(createTestServer({ modules: { chat: 'not a module' } })).rejects.toMatchObject({ code: 'NO_MODULES' });
    const app = await start();
    await expect(app.connect('alice' as never)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(app.connect({ cookies: 'session=x' as never })).rejects.toMatchObject({ code: 'BAD_OPTION', message: expect.stringContaining('cookie names') });
    await expect(app.connect({ headers: 'authorization: x' as never })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    const { messages } = (await app.connect({ user: null })).live(chat);
    await expect(messages.until('ready' as never)).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });

  it('an upgrade hook that throws an unexpected error rejects connect()', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    server = await createTestServer({ modules, hooks: { upgrade: () => { throw new Error('database down'); } } });
    await expect(server.connect()).rejects.toMatchObject({ code: 'DISCONNECTED' });
    log.mockRestore();
  });

  it('used after close', async () => {
    const app = await start();
    const alice = await app.connect({ user: null });
    await app.close();
    expect(() => alice.live(chat)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    await expect(app.connect()).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(app.runCron(clock.tick)).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
