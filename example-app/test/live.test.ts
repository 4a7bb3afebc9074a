// The example app's live modules, tested as a SvelteKit app tests its own: real modules, real
// hooks, users connected over real sockets. See "Testing your live modules" in the README.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestServer, type TestServer } from 'svelte-realtime/test';
import * as hooks from '../src/hooks.ws';
import * as chat from '../src/live/chat';
import * as todos from '../src/live/todos';
import * as dashboard from '../src/live/dashboard';
import * as admin from '../src/live/admin/users';
import { login, SESSION_COOKIE } from '$lib/server/sessions';

// Every live module, as the plugin would register them (the kit skips $types.d.ts).
const modules = import.meta.glob('/src/live/**/*.ts', { eager: true });

let server: TestServer;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
});

describe('chat', () => {
  it('posts as the logged-in user and reaches everyone watching', async () => {
    server = await createTestServer({ modules, hooks });
    const { sessionId } = login('Ada');
    // Through hooks.ws `upgrade`, with the session cookie the login form sets.
    const ada = await server.connect({ cookies: { [SESSION_COOKIE]: sessionId } });
    const guest = await server.connect();
    const watching = guest.live(chat).messages;
    await watching.next();

    const sent = await ada.live(chat).sendMessage('  hello  ');
    expect(sent).toMatchObject({ text: 'hello', author: 'Ada' });
    expect(await watching.until((list) => list.some((m) => m.id === sent.id))).toContainEqual(sent);
    expect(server.published).toContainEqual({ topic: 'messages', event: 'created', data: sent, connectionId: ada.connectionId });
  });

  it('refuses an empty message', async () => {
    server = await createTestServer({ modules, hooks });
    const guest = await server.connect();
    await expect(guest.live(chat).sendMessage('   ')).rejects.toMatchObject({ code: 'EMPTY', message: 'Message is empty' });
    expect(server.published).toEqual([]);
  });
});

describe('todos', () => {
  it('validates titles and limits each user to 10 new todos per 10 s', async () => {
    server = await createTestServer({ modules, hooks });
    const user = await server.connect({ user: { id: 'u1', name: 'Uma' } });
    const { addTodo } = user.live(todos);
    await expect(addTodo('')).rejects.toMatchObject({ code: 'VALIDATION' });
    for (let i = 1; i <= 9; i++) await addTodo(`todo ${i}`);
    await expect(addTodo('one too many')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});

describe('admin', () => {
  it('is for logged-in users only, streams included', async () => {
    server = await createTestServer({ modules, hooks });
    const guest = await server.connect();
    await expect(guest.live(admin).stats()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(guest.live(admin).users.next()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    const grace = await server.connect({ user: { id: 'g', name: 'Grace' } });
    expect(await grace.live(admin).stats()).toHaveProperty('messages');
  });
});

describe('dashboard', () => {
  it('counts chat messages in its aggregate and its effect writes the activity feed', async () => {
    server = await createTestServer({ modules, hooks });
    const viewer = await server.connect({ user: { id: 'v', name: 'Vic' } });
    const { chatStats, activity } = viewer.live(dashboard);
    const before = await chatStats.next();
    await activity.next();
    await viewer.live(chat).sendMessage('a rather long message');
    expect(await chatStats.until((s) => s.posted === before.posted + 1)).toMatchObject({ authors: expect.arrayContaining(['Vic']) });
    expect(await activity.until((feed) => feed.includes('Vic posted in the chat'))).toBeTruthy();
  });

  it('publishes the clock every second (fake timers, set before the server starts)', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:00.500Z') });
    server = await createTestServer({ modules, hooks });
    const viewer = await server.connect();
    const { clock } = viewer.live(dashboard);
    await clock.next();
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await clock.next()).now).toEqual(new Date('2026-06-01T12:00:01.000Z'));
  });

  it('runs the clock job on demand with runCron', async () => {
    server = await createTestServer({ modules, hooks });
    await server.runCron(dashboard.tick);
    expect(server.published.at(-1)).toMatchObject({ topic: 'clock', event: 'set' });
  });
});
