import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseLiveModule } from '../../plugin/parse.js';
import { guard, live, LiveError } from '../../runtime/server/index.js';
import type { LiveContext } from '../../runtime/server/index.js';
import type { HandlerKind } from '../../runtime/kinds.js';
import { handlerKind } from '../../runtime/server/handler-tag.js';
import type { ModuleRegistration } from '../../runtime/server/registry.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

/** A module with one RPC and one stream, each recording that it ran. */
function guarded(checks: Record<string, unknown>, ran: string[]) {
  return {
    ...checks,
    secret: live(() => {
      ran.push('secret');
      return 42;
    }),
    feed: live.stream('feed', () => {
      ran.push('feed');
      return ['item'];
    })
  };
}

/** Connects as `user` (the upgrade hook reads it from a header). */
async function connectAs(url: string, user?: string): Promise<TestClient> {
  return TestClient.connect(url, { headers: user ? { 'x-user': user } : {} });
}

const hooks = {
  upgrade: ({ request }: { request: Request }) => {
    const name = request.headers.get('x-user');
    return name ? { name, admin: name === 'root' } : null;
  }
};

const isAdmin = (ctx: LiveContext) => (ctx.user as { admin?: boolean } | null)?.admin === true;

describe('guard refusals', () => {
  it('sends the code of a LiveError a guard throws, for an RPC and for a stream, and runs neither', async () => {
    const ran: string[] = [];
    const auth = guard((ctx) => {
      if (!ctx.user) throw new LiveError('UNAUTHORIZED', 'Log in first');
    });
    server = await startServer({ modules: [module('admin', guarded({ auth }, ran))], hooks, options: { dev: false } });
    const anonymous = await connectAs(server.url);
    expect(await anonymous.call('admin/secret')).toMatchObject({ t: 'error', code: 'UNAUTHORIZED', message: 'Log in first' });
    expect(await anonymous.subscribe('admin/feed')).toMatchObject({ t: 'error', code: 'UNAUTHORIZED', message: 'Log in first' });
    expect(ran).toEqual([]);
    expect(server.runtime.topics.subscriberCount('feed')).toBe(0);
    // Nothing published to the topic reaches a refused subscriber.
    server.runtime.publish('feed', 'created', 'leak');
    expect(await anonymous.call('admin/secret')).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(anonymous.events('feed')).toEqual([]);

    const ada = await connectAs(server.url, 'ada');
    expect(await ada.call('admin/secret')).toMatchObject({ t: 'result', data: 42 });
    expect(await ada.subscribe('admin/feed')).toMatchObject({ t: 'snapshot', data: ['item'] });
    expect(ran).toEqual(['secret', 'feed']);
    anonymous.close();
    ada.close();
  });

  it('refuses with FORBIDDEN when a guard returns false', async () => {
    const ran: string[] = [];
    server = await startServer({ modules: [module('admin', guarded({ onlyAdmins: guard(isAdmin) }, ran))], hooks });
    const ada = await connectAs(server.url, 'ada');
    expect(await ada.call('admin/secret')).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    expect(await ada.subscribe('admin/feed')).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    expect(ran).toEqual([]);
    const root = await connectAs(server.url, 'root');
    expect(await root.call('admin/secret')).toMatchObject({ t: 'result', data: 42 });
    expect(await root.subscribe('admin/feed')).toMatchObject({ t: 'snapshot' });
    ada.close();
    root.close();
  });

  it('waits for async guards, whether they throw, return false or pass', async () => {
    const ran: string[] = [];
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    const checks = {
      asyncGuard: guard(async (ctx) => {
        await tick();
        const name = (ctx.user as { name?: string } | null)?.name;
        if (name === 'mallory') throw new LiveError('BANNED', 'You are banned');
        await tick();
        return name !== 'eve';
      })
    };
    server = await startServer({ modules: [module('m', guarded(checks, ran))], hooks });
    const mallory = await connectAs(server.url, 'mallory');
    const eve = await connectAs(server.url, 'eve');
    const ada = await connectAs(server.url, 'ada');
    expect(await mallory.call('m/secret')).toMatchObject({ code: 'BANNED', message: 'You are banned' });
    expect(await mallory.subscribe('m/feed')).toMatchObject({ code: 'BANNED' });
    expect(await eve.call('m/secret')).toMatchObject({ code: 'FORBIDDEN' });
    expect(await eve.subscribe('m/feed')).toMatchObject({ code: 'FORBIDDEN' });
    expect(ran).toEqual([]);
    expect(await ada.call('m/secret')).toMatchObject({ t: 'result', data: 42 });
    expect(await ada.subscribe('m/feed')).toMatchObject({ t: 'snapshot' });
    for (const c of [mallory, eve, ada]) c.close();
  });

  it('runs every guard of a module in order, and stops at the first refusal', async () => {
    const ran: string[] = [];
    const order: string[] = [];
    const checks = {
      first: guard(
        () => void order.push('first.a'),
        (ctx) => {
          order.push('first.b');
          if (!ctx.user) throw new LiveError('UNAUTHORIZED', 'Log in first');
        }
      ),
      second: guard((ctx) => {
        order.push('second');
        return isAdmin(ctx);
      })
    };
    server = await startServer({ modules: [module('m', guarded(checks, ran))], hooks });
    const anonymous = await connectAs(server.url);
    expect(await anonymous.call('m/secret')).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(order).toEqual(['first.a', 'first.b']);
    order.length = 0;
    const ada = await connectAs(server.url, 'ada');
    expect(await ada.call('m/secret')).toMatchObject({ code: 'FORBIDDEN' });
    expect(order).toEqual(['first.a', 'first.b', 'second']);
    order.length = 0;
    const root = await connectAs(server.url, 'root');
    expect(await root.subscribe('m/feed')).toMatchObject({ t: 'snapshot' });
    expect(order).toEqual(['first.a', 'first.b', 'second']);
    expect(ran).toEqual(['feed']);
    for (const c of [anonymous, ada, root]) c.close();
  });

  it('hides a guard that crashes behind INTERNAL in production and logs it', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const ran: string[] = [];
    const checks = {
      broken: guard(() => {
        throw new Error('session store is down');
      })
    };
    server = await startServer({ modules: [module('m', guarded(checks, ran))], options: { dev: false } });
    const client = await TestClient.connect(server.url);
    expect(await client.call('m/secret')).toEqual({ t: 'error', id: expect.any(Number), code: 'INTERNAL', message: 'Internal error' });
    expect(await client.subscribe('m/feed')).toMatchObject({ code: 'INTERNAL', message: 'Internal error' });
    expect(ran).toEqual([]);
    expect(log).toHaveBeenCalledTimes(2);
    client.close();
  });

  it('guards only its own module', async () => {
    const ran: string[] = [];
    server = await startServer({
      modules: [module('locked', guarded({ no: guard(() => false) }, ran)), module('open', { hello: live(() => 'hi') })]
    });
    const client = await TestClient.connect(server.url);
    expect(await client.call('locked/secret')).toMatchObject({ code: 'FORBIDDEN' });
    expect(await client.call('open/hello')).toMatchObject({ t: 'result', data: 'hi' });
    client.close();
  });

  it('guards a dynamic stream before its topic is computed', async () => {
    const topics: string[] = [];
    const room = live.stream(
      (_ctx, id: string) => {
        topics.push(id);
        return `room:${id}`;
      },
      () => []
    );
    server = await startServer({ modules: [module('rooms', { room, members: guard(isAdmin) })], hooks });
    const ada = await connectAs(server.url, 'ada');
    expect(await ada.subscribe('rooms/room', ['x'])).toMatchObject({ code: 'FORBIDDEN' });
    expect(topics).toEqual([]);
    ada.close();
  });
});

describe('a guard exported under an alias of the import', () => {
  it('is recognised by the plugin and enforced by the runtime', async () => {
    const source = [
      "import { live, guard as protect } from 'svelte-realtime/server';",
      "import { LiveError as Refusal } from 'svelte-realtime/server';",
      'export const auth = protect((ctx) => {',
      "  if (!ctx.user) throw new Refusal('UNAUTHORIZED', 'Log in first');",
      '});',
      'export const secret = live(() => 42);',
      "export const feed = live.stream('feed', () => ['item']);"
    ].join('\n');
    const parsed = parseLiveModule(source, 'src/live/vault.ts');
    expect(parsed.exports.map((e) => [e.name, e.kind])).toEqual([
      ['auth', 'guard'],
      ['secret', 'live'],
      ['feed', 'stream']
    ]);

    // The namespace that source evaluates to, registered from the plugin's export table.
    const ran: string[] = [];
    const namespace = guarded(
      {
        auth: guard((ctx) => {
          if (!ctx.user) throw new LiveError('UNAUTHORIZED', 'Log in first');
        })
      },
      ran
    );
    for (const e of parsed.exports) expect(handlerKind((namespace as Record<string, unknown>)[e.name])).toBe(e.kind);
    const registration: ModuleRegistration = {
      path: 'vault',
      file: 'src/live/vault.ts',
      namespace,
      exports: parsed.exports.map((e) => [e.name, e.kind as HandlerKind] as const)
    };
    server = await startServer({ modules: [registration], hooks });
    const anonymous = await connectAs(server.url);
    expect(await anonymous.call('vault/secret')).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await anonymous.subscribe('vault/feed')).toMatchObject({ code: 'UNAUTHORIZED' });
    const ada = await connectAs(server.url, 'ada');
    expect(await ada.call('vault/secret')).toMatchObject({ t: 'result', data: 42 });
    expect(ran).toEqual(['secret']);
    anonymous.close();
    ada.close();
  });

  it('applies a guard the export table does not list, so a module never ends up open', async () => {
    const ran: string[] = [];
    const namespace = guarded({ hidden: guard(() => false) }, ran);
    server = await startServer({
      modules: [{ path: 'vault', file: 'src/live/vault.ts', namespace, exports: [['secret', 'live'], ['feed', 'stream']] }]
    });
    const client = await TestClient.connect(server.url);
    expect(await client.call('vault/secret')).toMatchObject({ code: 'FORBIDDEN' });
    expect(ran).toEqual([]);
    client.close();
  });
});
