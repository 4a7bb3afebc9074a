/**
 * The remote-function bridge: `publish()` from server code (a remote `command` or `form`)
 * reaches `$live` stores, and `streamValues()` reads a live stream on the server as an async
 * iterable of the values a page's store takes (what a `query.live` yields).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { live, LiveError, publish, streamValues } from '../../runtime/server/index.js';
import { createTestServer, type TestServer } from '../../runtime/test/index.js';
import * as chat from './app/src/live/chat.js';
import * as board from './app/src/live/board.js';
import * as users from './app/src/live/admin/users.js';
import * as hooks from './app/src/hooks.ws.js';
import { deferred, waitFor } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A SvelteKit request event, as getRequestEvent() gives a remote function. */
function requestEvent(options: { cookie?: string; signal?: AbortSignal } = {}) {
  const request = new Request('http://localhost/chat', { headers: options.cookie ? { cookie: options.cookie } : {}, signal: options.signal });
  const cookies = new Map(options.cookie ? [options.cookie.split('=') as [string, string]] : []);
  return {
    request,
    url: new URL(request.url),
    cookies: { get: (name: string) => cookies.get(name), getAll: () => [...cookies].map(([name, value]) => ({ name, value })) },
    getClientAddress: () => '127.0.0.1'
  };
}

const gate = { init: deferred() };
const log: string[] = [];
const feed = {
  entries: live.stream(
    'feed',
    async () => {
      const before = [...log];
      await gate.init.promise;
      return before;
    },
    { merge: 'latest' }
  )
};

describe('publish() from a remote command or form', () => {
  it("reaches a page's store", async () => {
    server = await createTestServer({ modules: { chat }, hooks });
    const { messages } = (await server.connect()).live(chat);
    const before = await messages.next();
    // What a `command` does after writing to its database.
    publish('messages', 'created', { id: 1000, text: 'from a command', author: 'server' });
    expect(await messages.next()).toEqual([...before, { id: 1000, text: 'from a command', author: 'server' }]);
  });
});

describe('streamValues', () => {
  it("yields init's value, then each value the store would take", async () => {
    server = await createTestServer({ modules: { chat }, hooks });
    const values = streamValues(chat.messages, requestEvent({ cookie: 'session=alice-session' }));
    const first = (await values.next()).value!;
    const client = await server.connect({ user: { id: 'bob', name: 'Bob' } });
    const sent = await client.live(chat).sendMessage('hi from bob');
    expect((await values.next()).value).toEqual([...first, sent]);
    publish('messages', 'deleted', sent.id);
    expect((await values.next()).value).toEqual(first);
    await values.return();
  });

  it('runs for the request user, through the upgrade hook and the guards', async () => {
    server = await createTestServer({ modules: { users }, hooks });
    await expect(streamValues(users.audit, requestEvent({ cookie: 'session=alice-session' })).next()).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'Admins only'
    });
  });

  it('takes the arguments of a dynamic stream', async () => {
    server = await createTestServer({ modules: { board } });
    const values = streamValues(board.cards, requestEvent(), 'kanban');
    expect((await values.next()).value).toEqual([{ id: 'kanban-1', title: 'first card of kanban' }]);
    await (await server.connect()).live(board).addCard('kanban', 'two');
    expect((await values.next()).value).toHaveLength(2);
    await values.return();
  });

  it('keeps an event published while init ran', async () => {
    server = await createTestServer({ modules: { feed } });
    gate.init = deferred();
    const values = streamValues(feed.entries, requestEvent());
    const first = values.next();
    await waitFor(() => server!.runtime.topics.list().some((t) => t.topic === 'feed'), 'init to start');
    log.push('during init');
    publish('feed', 'created', 'during init');
    gate.init.resolve();
    expect((await first).value).toEqual(['during init']);
    await values.return();
  });

  it('stops following the topic when the loop breaks or the request is aborted', async () => {
    server = await createTestServer({ modules: { chat } });
    const topics = server.runtime.topics;
    for await (const value of streamValues(chat.messages, requestEvent())) {
      expect(Array.isArray(value)).toBe(true);
      expect(topics.subscriberCount('messages')).toBe(1);
      break;
    }
    expect(topics.subscriberCount('messages')).toBe(0);

    const abort = new AbortController();
    const values = streamValues(chat.messages, requestEvent({ signal: abort.signal }));
    await values.next();
    const waiting = values.next();
    abort.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(topics.subscriberCount('messages')).toBe(0);
  });

  it('refuses what is not a registered live.stream, and a missing event', async () => {
    server = await createTestServer({ modules: { chat } });
    expect(() => streamValues(chat.sendMessage as never, requestEvent())).toThrow(LiveError);
    expect(() => streamValues(chat.sendMessage as never, requestEvent())).toThrow(expect.objectContaining({ code: 'UNKNOWN_PATH' }));
    const unregistered = live.stream('elsewhere', () => 1);
    expect(() => streamValues(unregistered, requestEvent())).toThrow(expect.objectContaining({ code: 'UNKNOWN_PATH', message: expect.stringContaining('not registered') }));
    expect(() => streamValues(chat.messages, undefined as never)).toThrow(/getRequestEvent\(\)/);
  });
});
