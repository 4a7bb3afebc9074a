import { afterEach, describe, expect, it, vi } from 'vitest';
import { live, LiveError } from '../../runtime/server/index.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

const echo = live((_ctx, ...args: unknown[]) => args);

describe('RPC round trip', () => {
  it('keeps Date, Map, Set, BigInt, undefined, nested and cyclic values in arguments and results', async () => {
    server = await startServer({ modules: [module('values', { echo })] });
    const client = await TestClient.connect(server.url);

    const cyclic: { name: string; self?: unknown; list: unknown[] } = { name: 'loop', list: [] };
    cyclic.self = cyclic;
    cyclic.list.push(cyclic);
    const shared = { shared: true };
    const args = [
      new Date('2024-02-29T12:34:56.789Z'),
      new Map<unknown, unknown>([['a', 1], [2, new Set([1n, 2n])]]),
      new Set(['x', 'y']),
      2n ** 70n,
      undefined,
      { deep: { deeper: [{ deepest: [1, 2, { at: new Date(0) }] }] } },
      cyclic,
      [shared, shared]
    ];
    const reply = await client.call('values/echo', ...args);
    expect(reply.t).toBe('result');
    const data = (reply as { data: unknown[] }).data;

    expect(data).toHaveLength(args.length);
    expect(data[0]).toBeInstanceOf(Date);
    expect((data[0] as Date).toISOString()).toBe('2024-02-29T12:34:56.789Z');
    expect(data[1]).toEqual(new Map<unknown, unknown>([['a', 1], [2, new Set([1n, 2n])]]));
    expect(data[2]).toEqual(new Set(['x', 'y']));
    expect(data[3]).toBe(2n ** 70n);
    expect(3 in data).toBe(true);
    expect(data[4]).toBeUndefined();
    expect(4 in data).toBe(true);
    expect(data[5]).toEqual(args[5]);
    const loop = data[6] as typeof cyclic;
    expect(loop.name).toBe('loop');
    expect(loop.self).toBe(loop);
    expect(loop.list[0]).toBe(loop);
    const pair = data[7] as object[];
    expect(pair[0]).toEqual({ shared: true });
    expect(pair[0]).toBe(pair[1]);
    client.close();
  });

  it('passes undefined as an argument and returns undefined as a result', async () => {
    const seen: unknown[][] = [];
    server = await startServer({
      modules: [module('values', { nothing: live((_ctx, ...args: unknown[]) => void seen.push(args)) })]
    });
    const client = await TestClient.connect(server.url);
    const reply = await client.call('values/nothing', undefined, 1, undefined);
    expect(reply).toEqual({ t: 'result', id: expect.any(Number), data: undefined });
    expect('data' in reply).toBe(true);
    expect(seen).toEqual([[undefined, 1, undefined]]);
    client.close();
  });

  it('answers each call of a frame by its id, in any order of completion', async () => {
    server = await startServer({
      modules: [module('math', { slowDouble: live(async (_ctx, n: number) => (await new Promise((r) => setTimeout(r, 10 - n)), n * 2)) })]
    });
    const client = await TestClient.connect(server.url);
    const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => client.call('math/slowDouble', n)));
    expect(replies.map((r) => (r as { data: number }).data)).toEqual([2, 4, 6, 8, 10]);
    client.close();
  });

  it('gives the handler ctx.user and ctx.connection', async () => {
    server = await startServer({
      modules: [module('me', { whoami: live((ctx) => ({ user: ctx.user, connection: ctx.connection })) })],
      hooks: { upgrade: () => ({ id: 'u1', name: 'Ada' }) }
    });
    const client = await TestClient.connect(server.url);
    const reply = await client.call('me/whoami');
    const data = (reply as { data: { user: unknown; connection: string } }).data;
    expect(data.user).toEqual({ id: 'u1', name: 'Ada' });
    expect(server.runtime.connections.has(data.connection)).toBe(true);
    client.close();
  });
});

describe('errors', () => {
  const failing = {
    refuse: live(() => {
      throw new LiveError('EMPTY', 'Message is empty', { field: 'text', max: 280 });
    }),
    refuseAsync: live(async () => {
      await Promise.resolve();
      throw new LiveError('NOT_FOUND', 'No such todo');
    }),
    crash: live(() => {
      throw new Error('database password is hunter2');
    }),
    crashAsync: live(async () => {
      await Promise.resolve();
      throw new TypeError('cannot read x of undefined');
    }),
    throwString: live(() => {
      throw 'a bare string';
    }),
    unserialisable: live(() => ({ fn: () => 1 })),
    unsendableDetails: live(() => {
      throw new LiveError('BAD', 'Details cannot travel', { retry: () => 1 });
    }),
    ok: live(() => 'still here')
  };

  it('sends a LiveError as is: code, message and details', async () => {
    server = await startServer({ modules: [module('f', failing)], options: { dev: false } });
    const client = await TestClient.connect(server.url);
    expect(await client.call('f/refuse')).toEqual({
      t: 'error',
      id: expect.any(Number),
      code: 'EMPTY',
      message: 'Message is empty',
      details: { field: 'text', max: 280 }
    });
    const async = await client.call('f/refuseAsync');
    expect(async).toMatchObject({ t: 'error', code: 'NOT_FOUND', message: 'No such todo' });
    expect(async).not.toHaveProperty('details');
    expect(async).not.toHaveProperty('stack');
    client.close();
  });

  it('hides any other error behind INTERNAL when dev is false, and logs it on the server', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    server = await startServer({ modules: [module('f', failing)], options: { dev: false } });
    const client = await TestClient.connect(server.url);
    for (const path of ['f/crash', 'f/crashAsync', 'f/throwString']) {
      const reply = await client.call(path);
      expect(reply).toEqual({ t: 'error', id: expect.any(Number), code: 'INTERNAL', message: 'Internal error' });
    }
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining('f/crash'),
      expect.stringContaining('f/crashAsync'),
      expect.stringContaining('f/throwString')
    ]);
    expect(await client.call('f/ok')).toMatchObject({ t: 'result', data: 'still here' });
    client.close();
  });

  it('sends the full error, message and stack, when dev is true', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    server = await startServer({ modules: [module('f', failing)], options: { dev: true } });
    const client = await TestClient.connect(server.url);
    const reply = (await client.call('f/crash')) as { code: string; message: string; stack?: string };
    expect(reply.code).toBe('INTERNAL');
    expect(reply.message).toBe('database password is hunter2');
    expect(reply.stack).toMatch(/^Error: database password is hunter2\n\s+at /);
    expect(reply.stack).toContain('rpc.test.ts');
    const bare = (await client.call('f/throwString')) as { message: string };
    expect(bare.message).toBe('a bare string');
    client.close();
  });

  it('answers a result that cannot be sent with INTERNAL, and keeps the connection', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    server = await startServer({ modules: [module('f', failing)], options: { dev: false } });
    const client = await TestClient.connect(server.url);
    const id = client.id();
    const okId = client.id();
    // Both in one frame: the good reply must not be lost with the bad one.
    client.send({ t: 'call', id, path: 'f/unserialisable', args: [] }, { t: 'call', id: okId, path: 'f/ok', args: [] });
    const [bad, good] = await Promise.all([
      client.next((m) => m.t === 'error' && m.id === id),
      client.next((m) => m.t === 'result' && m.id === okId)
    ]);
    expect(bad).toMatchObject({ code: 'INTERNAL', message: 'Internal error' });
    expect(good).toMatchObject({ data: 'still here' });
    expect(String(log.mock.calls[0]?.[0])).toContain('f/unserialisable');
    expect(await client.call('f/ok')).toMatchObject({ t: 'result', data: 'still here' });
    client.close();
  });

  it('names the path and the reason in dev, for a result or LiveError details that cannot be sent', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    server = await startServer({ modules: [module('f', failing)], options: { dev: true } });
    const client = await TestClient.connect(server.url);
    expect(await client.call('f/unserialisable')).toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/^f\/unserialisable: its value cannot be sent: .*function/i)
    });
    expect(await client.call('f/unsendableDetails')).toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/^f\/unsendableDetails: its error details cannot be sent/)
    });
    expect(await client.call('f/ok')).toMatchObject({ t: 'result', data: 'still here' });
    client.close();
  });
});

describe('paths', () => {
  const hostilePaths = [
    'chat/nope',
    'nope/send',
    'chat',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '../x',
    'chat/__proto__',
    'chat/constructor',
    'chat/toString',
    'chat/hasOwnProperty',
    'chat/../chat/send',
    './chat/send',
    'chat/send/',
    '/chat/send',
    'chat//send',
    'CHAT/SEND',
    'chat/send\u0000'
  ];

  it.each(hostilePaths)('%j is UNKNOWN_PATH and reaches nothing', async (path) => {
    const reached: string[] = [];
    const send = live(() => void reached.push('send'));
    server = await startServer({
      modules: [module('chat', { send })]
    });
    const client = await TestClient.connect(server.url);
    const call = await client.call(path);
    expect(call).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect((call as { message: string }).message).toContain('No live function at');
    const sub = await client.subscribe(path);
    expect(sub).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(reached).toEqual([]);
    expect(await client.call('chat/send')).toMatchObject({ t: 'result' });
    expect(reached).toEqual(['send']);
    client.close();
  });

  it('refuses to call a stream or subscribe to a function', async () => {
    server = await startServer({
      modules: [module('chat', { send: live(() => 1), messages: live.stream('messages', () => []) })]
    });
    const client = await TestClient.connect(server.url);
    expect(await client.call('chat/messages')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(await client.subscribe('chat/send')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    client.close();
  });
});
