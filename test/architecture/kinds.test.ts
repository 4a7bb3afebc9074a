/**
 * A handler kind is one descriptor (runtime/kinds.ts): a made-up kind, added there and nowhere
 * else, is parsed by the plugin, given a client stub and a declaration, registered and served by
 * the server, and its stub's factory (from the internal client entry) follows it over a socket.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateClientStub, generateTypes, type LiveModule } from '../../plugin/generate.js';
import { parseLiveModule } from '../../plugin/parse.js';
import { kindDescriptor, registerKind, type KindDescriptor } from '../../runtime/kinds.js';
import type { MergeOptions } from '../../runtime/protocol.js';
import { HANDLER } from '../../runtime/server/handler-tag.js';
import { isSubscribable } from '../../runtime/server/subscribable.js';
import { useNodeWebSocket, until } from '../helpers/client.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

/** `live.poll(topic, init)`: a stream-like kind this package does not have. */
const POLL: KindDescriptor = {
  kind: 'poll',
  calls: ['live.poll'],
  topic: true,
  subscribable: true,
  client: { factory: '__stream', dynamic: '__streamFactory' }
};

const SOURCE = `import { live } from 'svelte-realtime/server';
export const votes = live.poll('votes', async () => ['yes']);
export const ballot = live.poll((ctx, id: string) => 'ballot:' + id, async (ctx, id: string) => [id]);
`;

const SET: MergeOptions = { merge: 'set', key: 'id', max: 50 };

/** What the kind's constructor (in runtime/server/kinds/) would return. */
function pollHandler(topic: string, init: () => unknown): object {
  return { [HANDLER]: 'poll', topic, init, options: SET };
}

function liveModule(code: string): LiveModule {
  return { path: 'polls', file: '/app/src/live/polls.ts', relative: 'src/live/polls.ts', exports: parseLiveModule(code, 'src/live/polls.ts').exports };
}

let unregister: (() => void) | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  unregister?.();
  unregister = undefined;
  await server?.close();
  server = undefined;
});

describe('a handler kind added in runtime/kinds.ts alone', () => {
  it('is unknown to every side before it is added', async () => {
    expect(kindDescriptor('poll')).toBeUndefined();
    const parsed = parseLiveModule(SOURCE, 'src/live/polls.ts');
    expect(parsed.exports).toEqual([]);
    expect(parsed.warnings[0].message).toContain('live.poll is not a handler kind this version knows');
    expect(isSubscribable(pollHandler('votes', () => []))).toBe(false);
    await expect(startServer({ modules: [module('polls', { votes: pollHandler('votes', () => []) })] })).rejects.toThrow(
      'export votes is a poll handler, a kind this svelte-realtime/server does not know'
    );
  });

  it('is parsed by the plugin, with its topic', () => {
    unregister = registerKind(POLL);
    const parsed = parseLiveModule(SOURCE, 'src/live/polls.ts');
    expect(parsed.warnings).toEqual([]);
    expect(parsed.exports.map(({ name, kind, topic }) => ({ name, kind, topic }))).toEqual([
      { name: 'votes', kind: 'poll', topic: { type: 'static', value: 'votes' } },
      { name: 'ballot', kind: 'poll', topic: { type: 'dynamic' } }
    ]);
    // Messages that show how to write it name its call too.
    expect(() => parseLiveModule("import { live } from 'svelte-realtime/server';\nexport default live.poll('t', () => 1);", 'src/live/x.ts')).toThrow(
      'export const <name> = live.poll(...)'
    );
  });

  it('is stubbed and declared for the client with the factories its descriptor names', () => {
    unregister = registerKind(POLL);
    expect(generateClientStub(liveModule(SOURCE))).toBe(
      [
        'import { __stream, __streamFactory } from "svelte-realtime/internal/client";',
        'export const votes = /*#__PURE__*/ __stream("polls/votes");',
        'export const ballot = /*#__PURE__*/ __streamFactory("polls/ballot");',
        ''
      ].join('\n')
    );
    expect(generateTypes([liveModule(SOURCE)], '/app/src/live')).toContain('export const votes: Client<Server["votes"]>;');
  });

  it('has no client export when its descriptor has no client', () => {
    unregister = registerKind({ ...POLL, client: null });
    expect(generateClientStub(liveModule(SOURCE))).toBe('\n');
    expect(generateTypes([liveModule(SOURCE)], '/app/src/live')).not.toContain('votes');
  });

  it('is registered and served by the server as the descriptor says', async () => {
    unregister = registerKind(POLL);
    server = await startServer({ modules: [module('polls', { votes: pollHandler('votes', () => ['yes']) })] });
    expect(server.runtime.registry.list()).toEqual([{ path: 'polls/votes', kind: 'poll', file: 'src/live/polls.ts' }]);
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('polls/votes')).toMatchObject({ t: 'snapshot', topic: 'votes', data: ['yes'] });
    client.socket.close();
  });
});

describe("a made-up kind's stub in the page", () => {
  beforeAll(() => {
    // The client opens its socket only in a browser: give this file's page a window and a WebSocket.
    const restore = useNodeWebSocket();
    const scope = globalThis as { window?: unknown };
    scope.window = globalThis;
    return () => {
      delete scope.window;
      restore();
    };
  });

  it('follows the stream through the factory the internal client entry exports', async () => {
    unregister = registerKind(POLL);
    server = await startServer({ modules: [module('polls', { votes: pollHandler('votes', () => ['yes']) })] });
    const { configure } = await import('../../runtime/client/index.js');
    const internal: Record<string, unknown> = await import('../../runtime/client/internal.js');
    configure({ url: server.url });
    const factory = internal[POLL.client!.factory] as (path: string) => import('../../runtime/client/index.js').LiveStore<unknown>;
    const votes = factory('polls/votes');
    const stop = votes.subscribe(() => {});
    expect(await until(votes, (value) => Array.isArray(value))).toEqual(['yes']);
    server.runtime.publish('votes', 'set', ['yes', 'no']);
    expect(await until(votes, (value) => Array.isArray(value) && value.length === 2)).toEqual(['yes', 'no']);
    stop();
  });
});
