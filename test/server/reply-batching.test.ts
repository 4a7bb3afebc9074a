/**
 * How replies leave the server: what a frame's messages answer at once goes back in one frame,
 * later answers in frames of their own, each exactly once, whatever the handler returns or throws.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { guard, live } from '../../runtime/server/index.js';
import { decodeFrame } from '../../runtime/server/frames.js';
import { deferred, module, startServer, TestClient, type TestServer } from '../helpers/server.js';
import type { ServerMessage } from '../../runtime/protocol.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

/** Every text frame the client receives from now on, decoded. */
function frames(client: TestClient): ServerMessage[][] {
  const seen: ServerMessage[][] = [];
  client.socket.on('message', (data, isBinary) => {
    if (!isBinary) seen.push(decodeFrame(data.toString()) as ServerMessage[]);
  });
  return seen;
}

describe('reply frames', () => {
  it("answers a frame's synchronous calls together in one frame, and a slower call in a frame of its own", async () => {
    const later = deferred<string>();
    server = await startServer({
      modules: [module('m', { now: live((_ctx, n: number) => n * 2), later: live(() => later.promise) })]
    });
    const client = await TestClient.connect(server.url);
    const seen = frames(client);
    const [a, b, c] = [client.id(), client.id(), client.id()];
    client.send(
      { t: 'call', id: a, path: 'm/now', args: [1] },
      { t: 'call', id: b, path: 'm/later', args: [] },
      { t: 'call', id: c, path: 'm/now', args: [2] }
    );
    await client.next((m) => m.t === 'result' && m.id === c);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual([
      { t: 'result', id: a, data: 2 },
      { t: 'result', id: c, data: 4 }
    ]);
    later.resolve('done');
    expect(await client.next((m) => m.t === 'result' && m.id === b)).toMatchObject({ data: 'done' });
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual([{ t: 'result', id: b, data: 'done' }]);
    client.close();
  });

  it('answers every call of a long burst exactly once and in order, then keeps answering', async () => {
    server = await startServer({ modules: [module('m', { twice: live((_ctx, n: number) => n * 2) })] });
    const client = await TestClient.connect(server.url);
    const seen = frames(client);
    // Two full frames back to back: more replies than a connection keeps queue slots for.
    const ids: number[] = [];
    for (let frame = 0; frame < 2; frame++) {
      const calls = Array.from({ length: 100 }, (_, i) => {
        const id = client.id();
        ids.push(id);
        return { t: 'call' as const, id, path: 'm/twice', args: [frame * 100 + i] };
      });
      client.send(...calls);
    }
    await client.next((m) => m.t === 'result' && m.id === ids[ids.length - 1]);
    const answered = seen.flat().filter((m): m is Extract<ServerMessage, { t: 'result' }> => m.t === 'result');
    expect(answered.map((m) => m.id)).toEqual(ids);
    expect(answered.map((m) => m.data)).toEqual(ids.map((_, i) => i * 2));
    expect(await client.call('m/twice', 21)).toMatchObject({ t: 'result', data: 42 });
    client.close();
  });

  it('answers a handler that throws or rejects with undefined with INTERNAL, and frees its slot', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    server = await startServer({
      modules: [
        module('m', {
          throws: live(() => {
            throw undefined;
          }),
          rejects: live(() => Promise.reject(undefined)),
          ok: live(() => 'ok')
        })
      ],
      options: { dev: false, limits: { maxInFlight: 1 } }
    });
    const client = await TestClient.connect(server.url);
    expect(await client.call('m/throws')).toMatchObject({ t: 'error', code: 'INTERNAL' });
    expect(await client.call('m/rejects')).toMatchObject({ t: 'error', code: 'INTERNAL' });
    // With one call allowed in flight, this only passes if both failures gave their slot back.
    expect(await client.call('m/ok')).toMatchObject({ t: 'result', data: 'ok' });
    client.close();
  });

  it('runs guards before an asynchronous handler and answers it once they pass', async () => {
    const ran: string[] = [];
    server = await startServer({
      modules: [
        module('m', {
          _guard: guard(async () => {
            ran.push('guard');
            return true;
          }),
          slow: live(async () => {
            ran.push('handler');
            return 'slow';
          })
        })
      ]
    });
    const client = await TestClient.connect(server.url);
    expect(await client.call('m/slow')).toMatchObject({ t: 'result', data: 'slow' });
    expect(ran).toEqual(['guard', 'handler']);
    client.close();
  });
});
