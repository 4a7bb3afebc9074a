/**
 * Topics have owners: a topic a client's arguments compute never reaches a topic the runtime
 * makes (rooms, derived streams, aggregates), and a topic another module declares is followed
 * with that module's guards, and takes no client publishes through another module's channel.
 */
import { describe, expect, it } from 'vitest';
import { guard, live, LiveError } from '../../runtime/server/index.js';
import type { LiveContext } from '../../runtime/server/context.js';
import { module, serverPerTest, type TestClient, type TestServer } from '../helpers/server.js';
import { isSignalTopic } from '../../runtime/server/signals.js';

const fixture = serverPerTest();
const hooks = { upgrade: ({ request }: { request: Request }) => (request.headers.get('x-user') ? { id: request.headers.get('x-user') } : null) as never };
const connect = (user?: string): Promise<TestClient> => fixture.connect({ headers: user ? { 'x-user': user } : {} });
const start = (): Promise<TestServer> =>
  fixture.start({ modules: [module('admin', admin), module('rooms', open)], hooks, options: { dev: false } });
const members = guard((ctx: LiveContext) => {
  if (!ctx.user) throw new LiveError('UNAUTHORIZED', 'Log in first');
});

/** A guarded module with a room, a stream and a channel; an open module with the README's dynamic stream. */
const admin = {
  auth: members,
  vault: live.room({ init: () => [{ id: 1, text: 'the vault' }], actions: { add: (ctx, text: string) => ctx.room.publish('created', { id: 2, text }) } }),
  secrets: live.stream('secrets', () => ['classified'], { merge: 'latest' }),
  audit: live.channel('audit')
};
const open = {
  room: live.stream((_ctx, roomId: string) => 'room:' + roomId, () => []),
  any: live.stream((_ctx, topic: string) => topic, () => []),
  shout: live.channel((_ctx, topic: string) => topic, { publish: true })
};

describe('topic owners', () => {
  it("keeps a guarded room's data out of reach of another module's dynamic stream (README's example)", async () => {
    await start();
    const guest = await connect();
    const member = await connect('ann');
    // The topic the guest's argument spells is not the room's: nothing of the room reaches it.
    const sub = await guest.subscribe('rooms/room', ['admin/vault:v1:data']);
    expect(sub).toMatchObject({ t: 'snapshot', data: [] });
    expect(await member.subscribe('admin/vault', ['v1', 'data'])).toMatchObject({ t: 'snapshot', data: [{ id: 1 }] });
    expect(await member.call('admin/vault', 'v1', 'add', 'top secret')).toMatchObject({ t: 'result' });
    await member.next((m) => m.t === 'event' && m.event === 'created');
    await guest.call('rooms/any', 'round trip');
    expect(guest.messages.filter((m) => m.t === 'event')).toEqual([]);
  });

  it('refuses a computed topic in the runtime namespace with FORBIDDEN, and subscribes nothing', async () => {
    const server = await start();
    const guest = await connect();
    for (const topic of ['@room:admin/vault:v1:data', '@room:admin/vault:v1:presence', '@derived:x', '@aggregate:x']) {
      expect(await guest.subscribe('rooms/any', [topic])).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    }
    expect(server.runtime.topics.list().filter((t) => t.topic.startsWith('@') && !isSignalTopic(t.topic))).toEqual([]);
  });

  it("runs the owner's guards for a topic another module declares, whatever path computed it", async () => {
    const server = await start();
    const guest = await connect();
    expect(await guest.subscribe('rooms/any', ['secrets'])).toMatchObject({ t: 'error', code: 'UNAUTHORIZED' });
    const member = await connect('ann');
    expect(await member.subscribe('rooms/any', ['secrets'])).toMatchObject({ t: 'snapshot' });
    server.runtime.publish('secrets', 'created', 'new secret');
    expect(await member.next((m) => m.t === 'event' && m.topic === 'secrets')).toMatchObject({ data: 'new secret' });
  });

  it("refuses a client publish through one module's channel onto a topic another module owns", async () => {
    await start();
    const member = await connect('ann');
    expect(await member.subscribe('admin/secrets')).toMatchObject({ t: 'snapshot' });
    expect(await member.subscribe('admin/audit')).toMatchObject({ t: 'snapshot' });
    const guest = await connect();
    for (const topic of ['secrets', 'audit']) {
      expect(await guest.call('rooms/shout', [topic], 'created', 'forged')).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    }
    expect(await guest.call('rooms/shout', ['@room:admin/vault:v1:data'], 'created', 'forged')).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    // Its own topics still take messages.
    expect(await guest.subscribe('rooms/shout', ['lobby'])).toMatchObject({ t: 'snapshot' });
    expect(await guest.call('rooms/shout', ['lobby'], 'hi', 1)).toMatchObject({ t: 'result' });
    await guest.next((m) => m.t === 'event' && m.topic === 'lobby');
    await member.call('admin/vault', 'v1', 'add', 'round trip');
    expect(member.messages.filter((m) => m.t === 'event' && (m.topic === 'secrets' || m.topic === 'audit'))).toEqual([]);
  });

  it("refuses a static topic in the runtime's namespace when the module loads", () => {
    expect(() => live.stream('@room:x', () => [])).toThrow(/belong to the runtime/);
    expect(() => live.channel('@x')).toThrow(/belong to the runtime/);
    expect(() => live.aggregate('orders', { n: 'count' }, { topic: '@totals' })).toThrow(/belong to the runtime/);
  });
});
