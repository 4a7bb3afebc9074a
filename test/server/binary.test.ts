import { afterEach, describe, expect, it } from 'vitest';
import { BinaryFrameType, encodeBinaryFrame, PROTOCOL_VERSION } from '../../runtime/protocol.js';
import { guard, live } from '../../runtime/server/handlers.js';
import { LiveError } from '../../runtime/server/errors.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => server?.close());

const reverse = live.binary((_ctx, data: Uint8Array, label: string) => {
  const out = data.slice().reverse();
  return label === 'as-info' ? { size: data.length, first: data[0] } : out;
}, { maxSize: 1024 });

function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i % 251);
}

/** A call frame with its header fields open to tampering. */
function frame(path: string, payload: Uint8Array, patch: (view: DataView) => void = () => {}): Uint8Array {
  const f = encodeBinaryFrame({ type: BinaryFrameType.call, id: 7, path, argsText: '', payload });
  patch(new DataView(f.buffer));
  return f;
}

describe('live.binary', () => {
  it('takes bytes and extra arguments, and answers bytes in a binary frame', async () => {
    server = await startServer({ modules: [module('files', { reverse })] });
    const client = await TestClient.connect(server.url);
    const reply = await client.callBinary('files/reverse', bytes(300), 'bytes');
    expect(reply).toMatchObject({ t: 'result', binary: true });
    expect([...(reply as { data: Uint8Array }).data]).toEqual([...bytes(300)].reverse());
    client.close();
  });

  it('answers a value that is not bytes as an ordinary result', async () => {
    server = await startServer({ modules: [module('files', { reverse })] });
    const client = await TestClient.connect(server.url);
    const reply = await client.callBinary('files/reverse', bytes(10), 'as-info');
    expect(reply).toEqual({ t: 'result', id: reply.t === 'result' ? reply.id : -1, data: { size: 10, first: 0 } });
    expect(await client.callBinary('files/reverse', new Uint8Array(0), 'as-info')).toMatchObject({ data: { size: 0 } });
    client.close();
  });

  it('refuses a payload over maxSize on the header alone, before guards, and the connection lives on', async () => {
    let guarded = 0;
    const auth = guard(() => {
      guarded++;
    });
    const small = live.binary(() => 'stored', { maxSize: 100 });
    server = await startServer({ modules: [module('files', { auth, small })] });
    const client = await TestClient.connect(server.url);
    expect(await client.callBinary('files/small', bytes(101))).toMatchObject({
      t: 'error',
      code: 'FRAME_TOO_LARGE',
      message: 'Payload of 101 bytes is larger than the 100 bytes files/small accepts',
      details: { size: 101, maxSize: 100 }
    });
    expect(guarded).toBe(0);
    expect(await client.callBinary('files/small', bytes(100))).toMatchObject({ t: 'result', data: 'stored' });
    expect(guarded).toBe(1);
    client.close();
  });

  it("is refused by its module's guard", async () => {
    const auth = guard(() => {
      throw new LiveError('UNAUTHORIZED', 'Log in first');
    });
    server = await startServer({ modules: [module('files', { auth, reverse })] });
    const client = await TestClient.connect(server.url);
    expect(await client.callBinary('files/reverse', bytes(3))).toMatchObject({ t: 'error', code: 'UNAUTHORIZED', message: 'Log in first' });
    client.close();
  });

  it('refuses malformed and misaddressed frames with typed errors; text frames keep working', async () => {
    server = await startServer({ modules: [module('files', { reverse, text: live(() => 'text ok') })] });
    const client = await TestClient.connect(server.url);
    const refusal = async (f: Uint8Array) => {
      client.sendRaw(Buffer.from(f));
      return client.next((m) => m.t === 'error');
    };
    expect(await refusal(new Uint8Array([PROTOCOL_VERSION, 1, 0]))).toMatchObject({ id: null, code: 'MALFORMED' });
    expect(await refusal(frame('files/reverse', bytes(4), (v) => v.setUint32(12, 5)))).toMatchObject({
      id: null,
      code: 'MALFORMED',
      message: 'Binary frame lengths do not add up to its size'
    });
    expect(await refusal(frame('files/reverse', bytes(4), (v) => v.setUint8(0, 99)))).toMatchObject({ id: null, code: 'UNSUPPORTED_PROTOCOL' });
    expect(await refusal(frame('files/reverse', bytes(4), (v) => v.setUint8(1, BinaryFrameType.result)))).toMatchObject({ code: 'MALFORMED' });
    expect(await refusal(frame('files/nope', bytes(4)))).toMatchObject({ id: 7, code: 'UNKNOWN_PATH' });
    expect(await refusal(frame('files/text', bytes(4)))).toMatchObject({ id: 7, code: 'UNKNOWN_PATH' });
    expect(await refusal(frame('__proto__', bytes(4)))).toMatchObject({ id: 7, code: 'UNKNOWN_PATH' });
    // A text call to a binary handler is not a way around the size check.
    expect(await client.call('files/reverse', 'x')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(await client.call('files/text')).toMatchObject({ t: 'result', data: 'text ok' });
    client.close();
  });

  it('closes only the socket that sends a frame over the hard cap (maxBinaryBytes)', async () => {
    server = await startServer({ modules: [module('files', { reverse })], options: { limits: { maxFrameBytes: 256, maxBinaryBytes: 2048 } } });
    const bad = await TestClient.connect(server.url);
    const good = await TestClient.connect(server.url);
    bad.sendRaw(Buffer.from(frame('files/reverse', bytes(5000))));
    expect((await bad.closed).code).toBe(1009);
    expect(await good.callBinary('files/reverse', bytes(2), 'as-info')).toMatchObject({ t: 'result', data: { size: 2 } });
    good.close();
  });
});
