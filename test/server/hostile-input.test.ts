/**
 * Untrusted input over a real socket: every refusal is a typed error, and afterwards the same
 * connection still answers, another client is unaffected and a stream's state is intact.
 */
import { stringify } from 'devalue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ServerMessage } from '../../runtime/protocol.js';
import { encodeFrame } from '../../runtime/server/frames.js';
import { live } from '../../runtime/server/index.js';
import { deferred, module, startServer, TestClient, waitFor, type TestServer } from '../helpers/server.js';

// maxBinaryBytes (the socket's hard cap for binary frames) is kept small so the text hard cap stays 4 × maxFrameBytes.
const LIMITS = { maxBinaryBytes: 8192, maxFrameBytes: 4096, maxInFlight: 4, maxSubscriptions: 4, maxArgs: 8, maxDepth: 8, maxPathLength: 64, maxMessagesPerFrame: 16 };

let server: TestServer;
let attacker: TestClient;
let bystander: TestClient;
let gate = deferred();
let published = 0;

beforeEach(async () => {
  gate = deferred();
  published = 0;
  server = await startServer({
    modules: [
      module('app', {
        echo: live((_ctx, ...args: unknown[]) => args),
        ok: live(() => 'ok'),
        wait: live(async () => {
          await gate.promise;
          return 'done';
        }),
        board: live.stream('board', () => [] as { id: number }[]),
        room: live.stream((_ctx, room: string) => `room:${room}`, () => [] as unknown[])
      })
    ],
    options: { dev: false, limits: LIMITS }
  });
  attacker = await TestClient.connect(server.url);
  bystander = await TestClient.connect(server.url);
  expect(await attacker.subscribe('app/board')).toMatchObject({ t: 'snapshot', data: [] });
  expect(await bystander.subscribe('app/board')).toMatchObject({ t: 'snapshot', data: [] });
});

afterEach(async () => {
  gate.resolve();
  attacker.close();
  bystander.close();
  await server.close();
});

/** The attacker's connection still answers, the bystander is unaffected, and the board stream lives on. */
async function expectHealthy(): Promise<void> {
  expect(await attacker.call('app/ok')).toMatchObject({ t: 'result', data: 'ok' });
  expect(await bystander.call('app/ok')).toMatchObject({ t: 'result', data: 'ok' });
  const id = ++published;
  server.runtime.publish('board', 'created', { id });
  for (const client of [attacker, bystander]) {
    const event = await client.next((m) => m.t === 'event' && m.topic === 'board' && (m.data as { id: number }).id === id);
    expect(event).toMatchObject({ t: 'event', event: 'created', seq: id });
  }
}

/** The error that answers a refused frame or message. */
function refusal(client: TestClient, id: number | null = null): Promise<ServerMessage> {
  return client.next((m) => m.t === 'error' && m.id === id);
}

describe('frame size', () => {
  it('answers a frame over maxFrameBytes with FRAME_TOO_LARGE and keeps the connection', async () => {
    attacker.send({ t: 'call', id: 99, path: 'app/echo', args: ['x'.repeat(5000)] });
    expect(await refusal(attacker)).toMatchObject({ code: 'FRAME_TOO_LARGE', message: expect.stringContaining('4096') });
    await expectHealthy();
  });

  it('counts bytes, not characters', async () => {
    // 1500 characters, 4500 bytes in UTF-8.
    attacker.send({ t: 'call', id: 99, path: 'app/echo', args: ['€'.repeat(1500)] });
    expect(await refusal(attacker)).toMatchObject({ code: 'FRAME_TOO_LARGE' });
    await expectHealthy();
  });

  it('closes only the offending socket (1009) for a frame past the hard cap', async () => {
    attacker.sendRaw('x'.repeat(Math.max(LIMITS.maxFrameBytes * 4, LIMITS.maxBinaryBytes) + 1));
    expect((await attacker.closed).code).toBe(1009);
    attacker = await TestClient.connect(server.url);
    expect(await attacker.subscribe('app/board')).toMatchObject({ t: 'snapshot' });
    await expectHealthy();
  });
});

describe('malformed frames', () => {
  const frames: [string, string, string][] = [
    ['not devalue', 'hello there', 'MALFORMED'],
    ['truncated JSON', '[[1,2', 'MALFORMED'],
    ['a devalue reference out of range', '[[1,5]]', 'MALFORMED'],
    ['JSON that is not an array', '{"t":"call"}', 'MALFORMED'],
    ['empty', '', 'MALFORMED'],
    ['not an array', stringify({ t: 'call', id: 1, path: 'app/ok', args: [] }), 'MALFORMED'],
    ['a bare number', stringify(1), 'MALFORMED'],
    ['a bare version', stringify([1]), 'MALFORMED'],
    ['an empty array', stringify([]), 'MALFORMED'],
    ['another protocol version', stringify([2, { t: 'call', id: 1, path: 'app/ok', args: [] }]), 'UNSUPPORTED_PROTOCOL'],
    ['a version as a string', stringify(['1', { t: 'call', id: 1, path: 'app/ok', args: [] }]), 'UNSUPPORTED_PROTOCOL']
  ];

  it.each(frames)('refuses %s with %s (id null)', async (_what, frame, code) => {
    attacker.sendRaw(frame);
    const error = await refusal(attacker);
    expect(error).toMatchObject({ t: 'error', id: null, code, message: expect.any(String) });
    expect(error).not.toHaveProperty('stack');
    await expectHealthy();
  });

  it('tells the client which version it speaks', async () => {
    attacker.sendRaw(stringify([2, { t: 'ping', id: 1 }]));
    expect(await refusal(attacker)).toMatchObject({ code: 'UNSUPPORTED_PROTOCOL', message: expect.stringContaining('version 1') });
  });

  it('refuses a text frame sent as a binary frame, and binary garbage', async () => {
    attacker.sendRaw(Buffer.from(encodeFrame([{ t: 'call', id: 5, path: 'app/ok', args: [] }])));
    expect(await refusal(attacker)).toMatchObject({ code: expect.stringMatching(/^(MALFORMED|UNSUPPORTED_PROTOCOL)$/) });
    attacker.sendRaw(Buffer.from([1, 2, 3]));
    expect(await refusal(attacker)).toMatchObject({ code: 'MALFORMED' });
    await expectHealthy();
  });
});

describe('bad message shapes', () => {
  const shapes: [string, unknown, number | null][] = [
    ['a message that is not an object', 42, null],
    ['a message that is an array', ['call', 1], null],
    ['a message that is null', null, null],
    ['a missing id', { t: 'call', path: 'app/ok', args: [] }, null],
    ['a negative id', { t: 'call', id: -1, path: 'app/ok', args: [] }, null],
    ['a fractional id', { t: 'call', id: 1.5, path: 'app/ok', args: [] }, null],
    ['a string id', { t: 'call', id: '1', path: 'app/ok', args: [] }, null],
    ['an id past 2^31', { t: 'call', id: 2 ** 31, path: 'app/ok', args: [] }, null],
    ['a non-string path', { t: 'call', id: 7, path: ['app', 'ok'], args: [] }, 7],
    ['an empty path', { t: 'call', id: 7, path: '', args: [] }, 7],
    ['args that are not an array', { t: 'call', id: 7, path: 'app/ok', args: { 0: 1 } }, 7],
    ['missing args', { t: 'sub', id: 7, path: 'app/board' }, 7],
    ['a bad resume position', { t: 'sub', id: 7, path: 'app/board', args: [], from: { epoch: 1, seq: -1 } }, 7],
    ['an unknown type', { t: 'exec', id: 7, path: 'app/ok', args: [] }, 7],
    ['no type', { id: 7, path: 'app/ok', args: [] }, 7]
  ];

  it.each(shapes)('refuses %s with MALFORMED', async (_what, message, id) => {
    attacker.sendRaw(stringify([1, message]));
    expect(await refusal(attacker, id)).toMatchObject({ t: 'error', code: 'MALFORMED' });
    await expectHealthy();
  });

  it('refuses only the bad message of a frame and answers the others', async () => {
    attacker.sendRaw(stringify([1, { t: 'call', id: 1, path: 'app/ok', args: [] }, { t: 'call', id: 2, path: 3, args: [] }, { t: 'ping', id: 3 }]));
    expect(await attacker.next((m) => m.t === 'result' && m.id === 1)).toMatchObject({ data: 'ok' });
    expect(await refusal(attacker, 2)).toMatchObject({ code: 'MALFORMED' });
    expect(await attacker.next((m) => m.t === 'pong' && m.id === 3)).toBeTruthy();
    await expectHealthy();
  });
});

describe('limits', () => {
  it('refuses a frame with too many messages, answering none of them', async () => {
    const pings = Array.from({ length: LIMITS.maxMessagesPerFrame + 1 }, (_, i) => ({ t: 'ping' as const, id: 1000 + i }));
    attacker.send(...pings);
    expect(await refusal(attacker)).toMatchObject({ code: 'LIMIT', message: expect.stringContaining(String(LIMITS.maxMessagesPerFrame)) });
    await expectHealthy();
    expect(attacker.messages.filter((m) => m.t === 'pong')).toEqual([]);
  });

  it('answers a full frame of messages', async () => {
    const pings = Array.from({ length: LIMITS.maxMessagesPerFrame }, (_, i) => ({ t: 'ping' as const, id: 1000 + i }));
    attacker.send(...pings);
    for (const ping of pings) await attacker.next((m) => m.t === 'pong' && m.id === ping.id);
  });

  it('refuses too many arguments with LIMIT', async () => {
    const id = attacker.id();
    attacker.send({ t: 'call', id, path: 'app/echo', args: Array.from({ length: LIMITS.maxArgs + 1 }, (_, i) => i) });
    expect(await refusal(attacker, id)).toMatchObject({ code: 'LIMIT' });
    expect(await attacker.call('app/echo', ...Array.from({ length: LIMITS.maxArgs }, (_, i) => i))).toMatchObject({ t: 'result' });
    await expectHealthy();
  });

  it('refuses a path that is too long with LIMIT', async () => {
    expect(await attacker.call('app/' + 'x'.repeat(LIMITS.maxPathLength))).toMatchObject({ t: 'error', code: 'LIMIT' });
    expect(await attacker.subscribe('app/' + 'x'.repeat(LIMITS.maxPathLength))).toMatchObject({ t: 'error', code: 'LIMIT' });
    await expectHealthy();
  });

  /** `levels` nested arrays: [[[...]]] */
  function nested(levels: number): unknown {
    let value: unknown = 'core';
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  }

  it('accepts arguments nested exactly maxDepth levels, and refuses one more', async () => {
    expect(await attacker.call('app/echo', nested(LIMITS.maxDepth))).toMatchObject({ t: 'result' });
    expect(await attacker.call('app/echo', nested(LIMITS.maxDepth + 1))).toMatchObject({ t: 'error', code: 'LIMIT' });
    const map = new Map([['k', nested(LIMITS.maxDepth)]]);
    expect(await attacker.call('app/echo', map)).toMatchObject({ t: 'error', code: 'LIMIT' });
    expect(await attacker.call('app/echo', new Set([nested(LIMITS.maxDepth)]))).toMatchObject({ t: 'error', code: 'LIMIT' });
    await expectHealthy();
  });

  it('refuses deep nesting hidden behind a repeated reference', async () => {
    // A chain deeper than the limit, whose middle is also referenced near the top: a walk
    // that visits each object once, at the first depth it meets it, measures it as shallow.
    const chain: unknown[][] = [];
    for (let i = 0; i < LIMITS.maxDepth + 2; i++) chain.push([]);
    for (let i = 0; i < chain.length - 1; i++) chain[i].push(chain[i + 1]);
    const middle = chain[LIMITS.maxDepth / 2];
    const root = [chain[0], middle];
    expect(await attacker.call('app/echo', root)).toMatchObject({ t: 'error', code: 'LIMIT' });
    const reversed = [middle, chain[0]];
    expect(await attacker.call('app/echo', reversed)).toMatchObject({ t: 'error', code: 'LIMIT' });
    await expectHealthy();
  });

  it('refuses deep nesting that closes into a cycle, and accepts a shallow cycle', async () => {
    const deep: { next?: unknown; back?: unknown } = {};
    let cursor = deep;
    for (let i = 0; i < LIMITS.maxDepth + 2; i++) cursor = (cursor.next = {}) as typeof deep;
    cursor.back = deep;
    expect(await attacker.call('app/echo', deep)).toMatchObject({ t: 'error', code: 'LIMIT' });

    // root → [a, p1]; a → [b, x1 → x2 → x3]; b → [a]; p1 → p2 → p3 → b. Through the cycle,
    // root → p1 → p2 → p3 → b → a → x1 → x2 → x3 is ten levels with the argument list.
    const x = [[['x3']]];
    const a: unknown[] = [];
    const b: unknown[] = [a];
    a.push(b, x);
    const p = [[[b]]];
    expect(await attacker.call('app/echo', [a, p])).toMatchObject({ t: 'error', code: 'LIMIT' });

    const shallow: { self?: unknown; friends: unknown[] } = { friends: [] };
    shallow.self = shallow;
    shallow.friends.push(shallow, { back: shallow });
    const reply = (await attacker.call('app/echo', shallow)) as { t: string; data: [typeof shallow] };
    expect(reply.t).toBe('result');
    expect(reply.data[0].self).toBe(reply.data[0]);
    await expectHealthy();
  });

  it('walks a frame of many repeated references once per object, not once per path', async () => {
    // 2^(maxDepth - 1) paths through maxDepth objects: accepted, and answered.
    let node: unknown = { leaf: true };
    for (let i = 1; i < LIMITS.maxDepth - 1; i++) node = [node, node];
    expect(await attacker.call('app/ok', node)).toMatchObject({ t: 'result', data: 'ok' });
    await expectHealthy();
  });

  it('refuses calls past maxInFlight with LIMIT, and answers the running ones', async () => {
    const ids = Array.from({ length: LIMITS.maxInFlight }, () => attacker.id());
    attacker.send(...ids.map((id) => ({ t: 'call' as const, id, path: 'app/wait', args: [] })));
    expect(await attacker.call('app/ok')).toMatchObject({ t: 'error', code: 'LIMIT' });
    // Another connection has its own budget.
    expect(await bystander.call('app/ok')).toMatchObject({ t: 'result' });
    gate.resolve();
    for (const id of ids) expect(await attacker.next((m) => m.t === 'result' && m.id === id)).toMatchObject({ data: 'done' });
    await expectHealthy();
  });

  it('refuses subscriptions past maxSubscriptions with LIMIT, also within one frame', async () => {
    // One is taken by the board subscription.
    const ids = Array.from({ length: LIMITS.maxSubscriptions }, () => attacker.id());
    attacker.send(...ids.map((id, i) => ({ t: 'sub' as const, id, path: 'app/room', args: [`r${i}`] })));
    const answers = await Promise.all(ids.map((id) => attacker.next((m) => (m.t === 'snapshot' || m.t === 'error') && m.id === id)));
    expect(answers.filter((m) => m.t === 'snapshot')).toHaveLength(LIMITS.maxSubscriptions - 1);
    expect(answers.filter((m) => m.t === 'error').map((m) => (m as { code: string }).code)).toEqual(['LIMIT']);
    // Releasing one makes room again.
    const held = answers.find((m) => m.t === 'snapshot') as { id: number };
    attacker.send({ t: 'unsub', id: held.id });
    expect(await attacker.subscribe('app/room', ['again'])).toMatchObject({ t: 'snapshot' });
    await expectHealthy();
  });

  it('refuses a subscription id already in use, also within one frame, without leaking a subscription', async () => {
    const id = attacker.id();
    attacker.send({ t: 'sub', id, path: 'app/room', args: ['dup'] }, { t: 'sub', id, path: 'app/room', args: ['dup'] });
    const answers = [
      await attacker.next((m) => (m.t === 'snapshot' || m.t === 'error') && m.id === id),
      await attacker.next((m) => (m.t === 'snapshot' || m.t === 'error') && m.id === id)
    ];
    expect(answers.map((m) => m.t).sort()).toEqual(['error', 'snapshot']);
    expect(answers.find((m) => m.t === 'error')).toMatchObject({ code: 'MALFORMED', message: expect.stringContaining('already in use') });
    expect(server.runtime.topics.subscriberCount('room:dup')).toBe(1);
    // Again, once the first is established.
    expect(await attacker.subscribe('app/board')).toMatchObject({ t: 'snapshot' });
    const again = attacker.id();
    attacker.send({ t: 'sub', id: again, path: 'app/room', args: ['dup2'] });
    await attacker.next((m) => m.t === 'snapshot' && m.id === again);
    attacker.send({ t: 'sub', id: again, path: 'app/room', args: ['dup2'] });
    expect(await refusal(attacker, again)).toMatchObject({ code: 'MALFORMED' });
    attacker.send({ t: 'unsub', id }, { t: 'unsub', id: again });
    await waitFor(() => server.runtime.topics.subscriberCount('room:dup') === 0 && server.runtime.topics.subscriberCount('room:dup2') === 0, 'unsubscribed');
    await expectHealthy();
  });
});
