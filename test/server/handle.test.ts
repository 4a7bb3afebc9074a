/**
 * `handle` in hooks.ws: one function around every call and subscription, over the socket and in
 * server rendering. It runs after the upgrade and before the module's guards, can enrich ctx,
 * refuse with a LiveError, and be composed with `sequence()`.
 */
import { describe, expect, it } from 'vitest';
import { guard, live, LiveError, sequence, type Handle, type HandleEvent, type LiveContext } from '../../runtime/server/index.js';
import type { LoadEvent } from '../../runtime/ssr-contract.js';
import { module, serverPerTest } from '../helpers/server.js';

const servers = serverPerTest();

type TenantContext = LiveContext & { tenant?: string };
const asUser = (id: string) => ({ headers: { 'x-user': id } });
const upgrade = ({ request }: { request: Request }) => ({ id: request.headers.get('x-user') ?? 'guest' }) as never;

/** What a handle saw of an event, without its ctx. */
const seen = (event: HandleEvent) => `${event.kind} ${event.path} ${JSON.stringify(event.args)}${event.ssr ? ' ssr' : ''}`;

function loadEvent(): LoadEvent {
  const url = new URL('http://127.0.0.1/page');
  return { request: new Request(url, { headers: { 'x-user': 'ssr-user' } }), url, cookies: { get: () => undefined, getAll: () => [] }, getClientAddress: () => '127.0.0.1' };
}

describe('handle', () => {
  it('wraps a call in sequence order, before the guards, and hands them and the handler the enriched ctx', async () => {
    const order: string[] = [];
    const timing: Handle = async ({ event, resolve }) => {
      order.push(`timing in: ${seen(event)}`);
      const result = await resolve(event);
      order.push(`timing out: ${JSON.stringify(result)}`);
      return result;
    };
    const tenancy: Handle = ({ event, resolve }) => {
      order.push('tenancy');
      return resolve({ ...event, ctx: { ...event.ctx, tenant: `t-${(event.ctx.user as { id: string }).id}` } as LiveContext });
    };
    const notes = {
      guard: guard((ctx) => void order.push(`guard sees ${(ctx as TenantContext).tenant}`)),
      add: live((ctx, text: string) => {
        order.push('handler');
        return { tenant: (ctx as TenantContext).tenant, text, user: (ctx.user as { id: string }).id };
      })
    };
    const server = await servers.start({ modules: [module('notes', notes)], hooks: { upgrade, handle: sequence(timing, tenancy) } });
    const client = await servers.connect(asUser('ann'));
    expect(await client.call('notes/add', 'hello')).toMatchObject({ t: 'result', data: { tenant: 't-ann', text: 'hello', user: 'ann' } });
    expect(order).toEqual([
      'timing in: call notes/add ["hello"]',
      'tenancy',
      'guard sees t-ann',
      'handler',
      'timing out: {"tenant":"t-ann","text":"hello","user":"ann"}'
    ]);
    expect(server.runtime.connections.size).toBe(1);
  });

  it('refuses with the LiveError it throws, and the handler never runs', async () => {
    let ran = 0;
    const handle: Handle = ({ event, resolve }) => {
      if ((event.ctx.user as { id: string }).id === 'guest') throw new LiveError('UNAUTHORIZED', 'Log in to use notes');
      return resolve();
    };
    await servers.start({ modules: [module('notes', { add: live(() => ++ran) })], hooks: { upgrade, handle } });
    const guest = await servers.connect();
    expect(await guest.call('notes/add')).toMatchObject({ t: 'error', code: 'UNAUTHORIZED', message: 'Log in to use notes' });
    const ann = await servers.connect(asUser('ann'));
    expect(await ann.call('notes/add')).toMatchObject({ t: 'result', data: 1 });
    expect(ran).toBe(1);
  });

  it('answers a call with what it returns, and may skip resolve for a call', async () => {
    let ran = 0;
    const cached: Handle = ({ event, resolve }) => (event.path === 'stats/total' ? 42 : resolve());
    await servers.start({ modules: [module('stats', { total: live(() => ++ran), other: live(() => 'fresh') })], hooks: { handle: cached } });
    const client = await servers.connect();
    expect(await client.call('stats/total')).toMatchObject({ t: 'result', data: 42 });
    expect(await client.call('stats/other')).toMatchObject({ t: 'result', data: 'fresh' });
    expect(ran).toBe(0);
  });

  it('wraps a subscription: the topic function and init see the enriched ctx, and resolve gives the first value', async () => {
    const events: string[] = [];
    const handle: Handle = async ({ event, resolve }) => {
      const first = await resolve({ ...event, ctx: { ...event.ctx, tenant: 'acme' } as LiveContext });
      events.push(`${seen(event)} -> ${JSON.stringify(first)}`);
    };
    const board = {
      items: live.stream(
        (ctx: LiveContext, room: string) => `items:${(ctx as TenantContext).tenant}:${room}`,
        (ctx: LiveContext, room: string) => [{ id: 1, tenant: (ctx as TenantContext).tenant, room }]
      )
    };
    await servers.start({ modules: [module('board', board)], hooks: { handle } });
    const client = await servers.connect();
    expect(await client.subscribe('board/items', ['lobby'])).toMatchObject({ t: 'snapshot', topic: 'items:acme:lobby', data: [{ id: 1, tenant: 'acme', room: 'lobby' }] });
    expect(events).toEqual(['subscribe board/items ["lobby"] -> [{"id":1,"tenant":"acme","room":"lobby"}]']);
  });

  it('refuses a subscription with its LiveError, and one it never resolves with a message saying to call resolve', async () => {
    const handle: Handle = ({ event, resolve }) => {
      if (event.path === 'feed/secret') throw new LiveError('FORBIDDEN', 'Not on your plan');
      if (event.path === 'feed/forgotten') return undefined;
      return resolve();
    };
    const feed = { secret: live.stream('secret', () => 1), forgotten: live.stream('forgotten', () => 2), open: live.stream('open', () => 3) };
    const server = await servers.start({ modules: [module('feed', feed)], hooks: { handle } });
    const client = await servers.connect();
    expect(await client.subscribe('feed/secret')).toMatchObject({ t: 'error', code: 'FORBIDDEN', message: 'Not on your plan' });
    const forgotten = await client.subscribe('feed/forgotten');
    expect(forgotten).toMatchObject({ t: 'error', code: 'INTERNAL' });
    expect((forgotten as { message: string }).message).toContain('call resolve(event) or throw a LiveError');
    expect(await client.subscribe('feed/open')).toMatchObject({ t: 'snapshot', data: 3 });
    // Nothing is left subscribed for the refused ones.
    expect(server.runtime.topics.subscriberCount('secret') + server.runtime.topics.subscriberCount('forgotten')).toBe(0);
  });

  it('drops a subscription whose handle throws after resolve, and the client is told', async () => {
    const handle: Handle = async ({ resolve }) => {
      await resolve();
      throw new LiveError('AUDIT', 'Audit log unavailable');
    };
    const server = await servers.start({ modules: [module('feed', { news: live.stream('news', () => ['a']) })], hooks: { handle } });
    const client = await servers.connect();
    // The snapshot leaves inside resolve; the refusal that follows answers the same id.
    const snapshot = await client.subscribe('feed/news');
    expect(snapshot).toMatchObject({ t: 'snapshot', data: ['a'] });
    expect(await client.next((m) => m.t === 'error' && m.id === snapshot.id)).toMatchObject({ code: 'AUDIT', message: 'Audit log unavailable' });
    expect(server.runtime.topics.subscriberCount('news')).toBe(0);
  });

  it('wraps binary calls, with the arguments after the payload', async () => {
    const events: string[] = [];
    const handle: Handle = ({ event, resolve }) => {
      events.push(seen(event));
      return resolve();
    };
    const files = { upload: live.binary((_ctx, payload: Uint8Array, name: string) => `${name}: ${payload.length} bytes`) };
    await servers.start({ modules: [module('files', files)], hooks: { handle } });
    const client = await servers.connect();
    expect(await client.callBinary('files/upload', new Uint8Array(5), 'a.bin')).toMatchObject({ t: 'result', data: 'a.bin: 5 bytes' });
    expect(events).toEqual(['binary files/upload ["a.bin"]']);
  });

  it('wraps room actions as calls on the room path', async () => {
    const events: string[] = [];
    const handle: Handle = ({ event, resolve }) => {
      events.push(seen(event));
      return resolve();
    };
    const board = { room: live.room({ init: () => [], actions: { add: (ctx, text: string) => `${ctx.room.id}: ${text}` } }) };
    await servers.start({ modules: [module('board', board)], hooks: { handle } });
    const client = await servers.connect();
    expect(await client.call('board/room', 'lobby', 'add', 'hi')).toMatchObject({ t: 'result', data: 'lobby: hi' });
    expect(events).toEqual(['call board/room ["lobby","add","hi"]']);
  });

  it('wraps server rendering: fn.call(event) and store.load(event), with ssr set', async () => {
    const events: string[] = [];
    const handle: Handle = ({ event, resolve }) => {
      events.push(`${seen(event)} as ${(event.ctx.user as { id: string }).id}`);
      return resolve({ ...event, ctx: { ...event.ctx, tenant: 'acme' } as LiveContext });
    };
    const page = {
      title: live((ctx) => `title for ${(ctx as TenantContext).tenant}`),
      items: live.stream('items', (ctx) => [(ctx as TenantContext).tenant])
    };
    const server = await servers.start({ modules: [module('page', page)], hooks: { upgrade, handle } });
    expect(await server.runtime.ssrCall('page/title', [], loadEvent())).toBe('title for acme');
    expect(await server.runtime.ssrLoad('page/items', [], loadEvent())).toMatchObject({ value: ['acme'], topic: 'items' });
    expect(events).toEqual(['call page/title [] ssr as ssr-user', 'subscribe page/items [] ssr as ssr-user']);
  });

  it('survives a handle that calls resolve without awaiting it while the handler throws', async () => {
    const careless: Handle = ({ resolve }) => {
      void resolve();
      return 'answered early';
    };
    const notes = {
      save: live(async () => {
        await Promise.resolve();
        throw new Error('nobody is listening');
      })
    };
    await servers.start({ modules: [module('notes', notes)], hooks: { handle: careless } });
    const client = await servers.connect();
    expect(await client.call('notes/save')).toMatchObject({ t: 'result', data: 'answered early' });
    // The process and the connection carry on (an unhandled rejection would fail this test run).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await client.call('notes/save')).toMatchObject({ t: 'result', data: 'answered early' });
  });

  it('refuses a second resolve, and sequence() names a bad argument', async () => {
    let ran = 0;
    const twice: Handle = async ({ resolve }) => {
      await resolve();
      return resolve();
    };
    await servers.start({ modules: [module('n', { bump: live(() => ++ran) })], hooks: { handle: twice } });
    const client = await servers.connect();
    const answer = await client.call('n/bump');
    expect(answer).toMatchObject({ t: 'error', code: 'INTERNAL' });
    expect((answer as { message: string }).message).toContain('resolve twice');
    expect(ran).toBe(1);
    expect(() => sequence((({ resolve }) => resolve()) as Handle, undefined as unknown as Handle)).toThrow(
      'sequence(): argument 2 is undefined; pass handle functions ({ event, resolve }) => ...'
    );
  });
});
