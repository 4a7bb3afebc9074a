/**
 * Frames whose cost is their count of containers or values, at the default limits: a MiB of
 * `[[]],[[]],...` is 200 000 arrays for JSON.parse to build, a MiB of `0,0,...` half a million
 * numbers, and a devalue table can point at one array from half a million places. Each is
 * refused with LIMIT from the frame's text before anything is built, the connection lives on,
 * and another client is served meanwhile.
 */
import { stringify } from 'devalue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BinaryFrameType, encodeBinaryFrame, type ServerMessage } from '../../runtime/protocol.js';
import { live } from '../../runtime/server/index.js';
import { DEFAULT_LIMITS } from '../../runtime/server/limits.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

const SIZE = DEFAULT_LIMITS.maxFrameBytes - 1024;

let server: TestServer;
let attacker: TestClient;
let bystander: TestClient;
let reached = 0;

beforeEach(async () => {
  reached = 0;
  server = await startServer({
    modules: [
      module('app', {
        count: live((_ctx, ...args: unknown[]) => {
          reached++;
          return args.length;
        }),
        upload: live.binary((_ctx, data: Uint8Array, ...args: unknown[]) => {
          reached++;
          return args.length;
        }, { maxSize: 1024 })
      })
    ],
    options: { dev: false }
  });
  attacker = await TestClient.connect(server.url);
  bystander = await TestClient.connect(server.url);
});

afterEach(async () => {
  attacker.close();
  bystander.close();
  await server.close();
});

/** A JSON call frame of about `size` characters whose argument is `item` repeated. */
function packed(id: number, item: string, size = SIZE): string {
  const head = `[1,{"t":"call","id":${id},"path":"app/count","args":[[`;
  const tail = ']]}]';
  return head + Array(Math.floor((size - head.length - tail.length) / (item.length + 1))).fill(item).join(',') + tail;
}

const answerTo = (id: number | null) => (m: ServerMessage) => (m.t === 'error' || m.t === 'result') && m.id === id;

/** Both clients are still served. */
async function expectServed(): Promise<void> {
  expect(await attacker.call('app/count', 1)).toMatchObject({ t: 'result', data: 1 });
  expect(await bystander.call('app/count', 1, 2)).toMatchObject({ t: 'result', data: 2 });
}

describe('maxObjectsPerFrame', () => {
  it('refuses a call packed with arrays with LIMIT, answering its id, before the handler runs', async () => {
    attacker.sendRaw(packed(31, '[[]]'));
    expect(await attacker.next(answerTo(31))).toMatchObject({
      t: 'error',
      code: 'LIMIT',
      message: expect.stringContaining(`at most ${DEFAULT_LIMITS.maxObjectsPerFrame} objects and arrays`)
    });
    expect(reached).toBe(0);
    await expectServed();
  });

  it('refuses a call packed with objects, and answers the other messages of its frame', async () => {
    const frame = packed(32, '{}').replace(/^\[1,/, '[1,{"t":"ping","id":33},');
    attacker.sendRaw(frame);
    expect(await attacker.next(answerTo(32))).toMatchObject({ code: 'LIMIT' });
    expect(await attacker.next((m) => m.t === 'pong' && m.id === 33)).toBeTruthy();
    await expectServed();
  });

  it('answers a call holding just under the limit', async () => {
    // The frame, the message, args and the argument are four containers; each `[]` adds one.
    const arrays = (count: number) => Array.from({ length: count }, () => []);
    expect(await attacker.call('app/count', arrays(DEFAULT_LIMITS.maxObjectsPerFrame - 4))).toMatchObject({ t: 'result', data: 1 });
    const over = arrays(DEFAULT_LIMITS.maxObjectsPerFrame - 3);
    expect(await attacker.call('app/count', over)).toMatchObject({ t: 'error', code: 'LIMIT' });
  });

  it('refuses a devalue frame pointing at one array from every slot, as a whole', async () => {
    // [1, { t: 'call', id: 34, path: 'app/count', args: [[a, a, a...]] }], a = []
    const refs = Array(300_000).fill(8).join(',');
    attacker.sendRaw(`[[1,2],1,{"t":3,"id":4,"path":5,"args":6},"call",34,"app/count",[7],[${refs}],[]]`);
    expect(await attacker.next(answerTo(null))).toMatchObject({ code: 'LIMIT', message: expect.stringContaining('objects and arrays') });
    expect(reached).toBe(0);
    await expectServed();
  });

  it("bounds a live.binary call's extra arguments the same way", async () => {
    const id = 35;
    const argsText = stringify([Array(DEFAULT_LIMITS.maxObjectsPerFrame).fill(0).map(() => [])]);
    attacker.sendRaw(Buffer.from(encodeBinaryFrame({ type: BinaryFrameType.call, id, path: 'app/upload', argsText, payload: new Uint8Array(4) })));
    expect(await attacker.next(answerTo(id))).toMatchObject({ code: 'LIMIT', message: expect.stringContaining('objects and arrays') });
    expect(reached).toBe(0);
    expect(await attacker.callBinary('app/upload', new Uint8Array(4), 'a', { b: [1] })).toMatchObject({ t: 'result', data: 2 });
  });

  it("refuses live.binary arguments nested deeper than maxDepth with LIMIT", async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i <= DEFAULT_LIMITS.maxDepth; i++) deep = [deep];
    expect(await attacker.callBinary('app/upload', new Uint8Array(4), deep)).toMatchObject({ t: 'error', code: 'LIMIT' });
    expect(reached).toBe(0);
  });
});

describe('maxValuesPerFrame', () => {
  it('refuses a call packed with numbers with LIMIT, answering its id', async () => {
    attacker.sendRaw(packed(36, '0'));
    expect(await attacker.next(answerTo(36))).toMatchObject({
      code: 'LIMIT',
      message: expect.stringContaining(`at most ${DEFAULT_LIMITS.maxValuesPerFrame} values`)
    });
    expect(reached).toBe(0);
    await expectServed();
  });

  it('answers a call of many values under the limit', async () => {
    expect(await attacker.call('app/count', Array(100_000).fill(7))).toMatchObject({ t: 'result', data: 1 });
  });
});
