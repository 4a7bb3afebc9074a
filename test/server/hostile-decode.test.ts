/**
 * Frames whose cost lies in decoding them: sparse arrays that declare a huge length, values
 * whose string form is exponential in their size (shared references), and frames packed with
 * nesting or small containers. Each is refused (or answered) with a typed error while another
 * client keeps being served, and the process lives on.
 */
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../runtime/protocol.js';
import { live } from '../../runtime/server/index.js';
import { module, sleep, startServer, TestClient, type TestServer } from '../helpers/server.js';

/** Large enough for the frames below to cost seconds on a server that decodes them carelessly. */
const MAX_FRAME = 4 * 1024 * 1024;
/**
 * Raised past what these frames hold, so the frames are read rather than refused on their
 * count of containers and values (hostile-objects.test.ts has those refusals): what is tested
 * here is that reading them costs no stall.
 */
const MAX_OBJECTS = 4 * 1024 * 1024;
/** How long the bystander may wait for an answer: generous, a stall is many times this. */
const PROMPTLY_MS = 2000;

let server: TestServer;
let attacker: TestClient;
let bystander: TestClient;

const tagged = v.object({ tags: v.array(v.string()) });

beforeEach(async () => {
  server = await startServer({
    modules: [
      module('app', {
        ok: live(() => 'ok'),
        echo: live((_ctx, ...args: unknown[]) => args),
        tags: live.validated(tagged, (_ctx, input) => input.tags.length)
      }),
      module('collab', { board: live.room({ init: () => [] as unknown[], actions: { add: () => 'added' } }) })
    ],
    options: { dev: false, limits: { maxFrameBytes: MAX_FRAME, maxObjectsPerFrame: MAX_OBJECTS, maxValuesPerFrame: MAX_OBJECTS } }
  });
  attacker = await TestClient.connect(server.url);
  bystander = await TestClient.connect(server.url);
});

afterEach(async () => {
  attacker.close();
  bystander.close();
  await server.close();
});

/**
 * Pings from the bystander until `done` settles and resolves with the longest time it went
 * without an answer: a server busy with one frame answers nobody meanwhile.
 */
async function longestSilence(done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => {});
  let last = performance.now();
  let longest = 0;
  while (!finished) {
    const id = bystander.id();
    bystander.send({ t: 'ping', id });
    await bystander.next((m) => m.t === 'pong' && m.id === id, 60_000);
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    await sleep(5);
  }
  return longest;
}

/** Sends `frame` from the attacker and resolves with the answer that `test` picks, timing the bystander meanwhile. */
async function sendHostile(frame: string, test: (m: ServerMessage) => boolean): Promise<{ answer: ServerMessage; silence: number }> {
  const answer = attacker.next(test, 60_000);
  attacker.sendRaw(frame);
  const silence = await longestSilence(answer);
  return { answer: await answer, silence };
}

/** Both clients still answer, promptly. */
async function expectServed(): Promise<void> {
  for (const client of [attacker, bystander]) {
    const start = performance.now();
    expect(await client.call('app/ok')).toMatchObject({ t: 'result', data: 'ok' });
    expect(performance.now() - start).toBeLessThan(PROMPTLY_MS);
  }
}

const isError = (id: number | null) => (m: ServerMessage) => m.t === 'error' && m.id === id;

/**
 * devalue's index table of `[1, message]`: `fields` maps each key of the message to the text of
 * its value's entry (an entry is a value; arrays and objects in it hold indexes of entries).
 * `extra` entries follow; `extraAt(keys, n)` is the index of the nth.
 */
function table(fields: Record<string, string>, extra: string[] = []): string {
  const keys = Object.keys(fields);
  const message = `{${keys.map((key, i) => `"${key}":${3 + i}`).join(',')}}`;
  return `[${['[1,2]', '1', message, ...keys.map((key) => fields[key]!), ...extra].join(',')}]`;
}
const extraAt = (keys: number, n: number) => 3 + keys + n;

/** Entries from index `first` on: arrays of `width` references to the next, `levels` deep, then an empty one. */
function sharedLevels(first: number, levels: number, width: number): string[] {
  const entries: string[] = [];
  for (let i = 0; i < levels; i++) entries.push(`[${Array(width).fill(first + i + 1).join(',')}]`);
  entries.push('[]');
  return entries;
}

describe('sparse arrays', () => {
  it('refuses a protocol version that is a sparse array, without spelling it out', async () => {
    const { answer, silence } = await sendHostile('[[1,2],[-7,100000000],{"t":3,"id":4},"ping",7]', isError(null));
    expect(answer).toMatchObject({ code: 'UNSUPPORTED_PROTOCOL', message: expect.stringContaining('an array') });
    expect((answer as { message: string }).message.length).toBeLessThan(300);
    expect(silence).toBeLessThan(PROMPTLY_MS);
    await expectServed();
  });

  it('refuses a message type that is a sparse array with LIMIT, answering the message', async () => {
    const frame = table({ t: '[-7,100000000]', id: '7' });
    const { answer, silence } = await sendHostile(frame, isError(7));
    expect(answer).toMatchObject({ code: 'LIMIT' });
    expect(silence).toBeLessThan(PROMPTLY_MS);
    await expectServed();
  });

  it('refuses a sparse array argument before a schema walks it (the process survives)', async () => {
    const frame = '[[1,2],1,{"t":3,"id":4,"path":5,"args":6},"call",7,"app/tags",[7],{"tags":8},[-7,4294967295]]';
    const { answer, silence } = await sendHostile(frame, isError(7));
    expect(answer).toMatchObject({ code: 'LIMIT' });
    expect(silence).toBeLessThan(PROMPTLY_MS);
    await expectServed();
    // A sparse array that fits its frame still arrives, holes and all.
    const sparse: string[] = [];
    sparse[3] = 'x';
    expect(await attacker.call('app/echo', sparse)).toMatchObject({ t: 'result', data: [sparse] });
  });

  it('refuses a room action name that is a sparse array with LIMIT', async () => {
    const args = `[${extraAt(4, 0)},${extraAt(4, 1)}]`;
    const frame = table({ t: '"call"', id: '9', path: '"collab/board"', args }, ['"r1"', '[-7,100000000]']);
    const { answer, silence } = await sendHostile(frame, isError(9));
    expect(answer).toMatchObject({ code: 'LIMIT' });
    expect(silence).toBeLessThan(PROMPTLY_MS);
    await expectServed();
  });

  it('answers the frame\'s other messages', async () => {
    // [1, {t: 'ping', id: 1}, {t: <sparse>, id: 2}, {t: 'ping', id: 3}]
    const frame = '[[1,2,5,8],1,{"t":3,"id":4},"ping",1,{"t":6,"id":7},[-7,100000000],2,{"t":3,"id":9},3]';
    attacker.sendRaw(frame);
    expect(await attacker.next((m) => m.t === 'pong' && m.id === 1)).toBeTruthy();
    expect(await attacker.next(isError(2))).toMatchObject({ code: 'LIMIT' });
    expect(await attacker.next((m) => m.t === 'pong' && m.id === 3)).toBeTruthy();
    await expectServed();
  });
});

describe('untrusted values in error messages', () => {
  // An array of 2 references to an array of 2 references... 26 levels: 2^26 leaves once spelled out.
  const levels = 26;

  it('describes a message type by its kind, not its string form', async () => {
    const first = extraAt(2, 0);
    const frame = table({ t: `[${first},${first}]`, id: '11' }, sharedLevels(first, levels - 1, 2));
    const { answer, silence } = await sendHostile(frame, isError(11));
    expect(answer).toMatchObject({ code: 'MALFORMED', message: expect.stringContaining('an array') });
    expect(silence).toBeLessThan(PROMPTLY_MS);
    await expectServed();
  });

  it('describes a room action name by its kind, not its string form', async () => {
    const args = `[${extraAt(4, 0)},${extraAt(4, 1)}]`;
    const frame = table({ t: '"call"', id: '12', path: '"collab/board"', args }, ['"r1"', ...sharedLevels(extraAt(4, 1), levels, 2)]);
    const { answer, silence } = await sendHostile(frame, isError(12));
    expect(answer).toMatchObject({ code: 'UNKNOWN_PATH', message: expect.stringContaining('an array') });
    expect(silence).toBeLessThan(PROMPTLY_MS);
    await expectServed();
  });
});

describe('frames that are mostly structure', () => {
  /** A JSON call frame of `size` characters whose one argument is `open` repeated, closed by `close`. */
  function packed(path: string, size: number, item: string): string {
    const head = `[1,{"t":"call","id":21,"path":"${path}","args":[[`;
    const tail = ']]}]';
    const count = Math.floor((size - head.length - tail.length) / (item.length + 1));
    return head + Array(count).fill(item).join(',') + tail;
  }

  function nested(path: string, size: number, open: string, leaf: string, close: string): string {
    const head = `[1,{"t":"call","id":22,"path":"${path}","args":[`;
    const tail = ']}]';
    const levels = Math.floor((size - head.length - tail.length - leaf.length) / (open.length + close.length));
    return head + open.repeat(levels) + leaf + close.repeat(levels) + tail;
  }

  const size = MAX_FRAME - 1024;

  it('answers a call to an unknown path with a frame full of empty arrays, and keeps serving others', async () => {
    const { answer, silence } = await sendHostile(packed('app/nothing', size, '[[]]'), isError(21));
    expect(answer).toMatchObject({ code: 'UNKNOWN_PATH' });
    expect(silence).toBeLessThan(PROMPTLY_MS);
    await expectServed();
  });

  it('answers a known path with a frame full of empty objects, and keeps serving others', async () => {
    const { answer, silence } = await sendHostile(packed('app/ok', size, '{}'), (m) => (m.t === 'result' || m.t === 'error') && m.id === 21);
    expect(answer).toMatchObject({ t: 'result', data: 'ok' });
    expect(silence).toBeLessThan(PROMPTLY_MS);
    await expectServed();
  });

  it('refuses arguments nested through the whole frame with LIMIT', async () => {
    for (const frame of [nested('app/ok', size, '[', '', ']'), nested('app/ok', size, '{"a":', '1', '}')]) {
      const { answer, silence } = await sendHostile(frame, isError(22));
      expect(answer).toMatchObject({ code: 'LIMIT' });
      expect(silence).toBeLessThan(PROMPTLY_MS);
    }
    await expectServed();
  });

  it('refuses a devalue chain through the whole frame with LIMIT, answering its message', async () => {
    // [1, { t: 'call', id: 23, path: 'app/ok', args: [[[[...]]]] }] as a devalue table.
    const entries = ['[1,2]', '1', '{"t":3,"id":4,"path":5,"args":6}', '"call"', '23', '"app/ok"'];
    let length = entries.join(',').length;
    for (let next = 7; length < size; next++) {
      const entry = `[${next}]`;
      entries.push(entry);
      length += entry.length + 1;
    }
    entries.push('[]');
    const { answer, silence } = await sendHostile(`[${entries.join(',')}]`, isError(23));
    expect(answer).toMatchObject({ code: 'LIMIT' });
    expect(silence).toBeLessThan(PROMPTLY_MS);
    await expectServed();
  });
});
