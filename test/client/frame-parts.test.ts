/**
 * A burst of more calls than the server reads in one frame (its `maxMessagesPerFrame`, sent in
 * hello): the page's socket cuts its queue into frames the server takes, so every call of the
 * burst is answered, instead of one frame refused whole and the calls left to time out.
 */
import { describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/index.js';
import { clientSocket, useClientTests } from '../helpers/client.js';
import { module, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
useClientTests(async () => {
  await server?.close();
  server = undefined;
});

describe('a burst past the messages one frame may carry', () => {
  it('goes out in frames of the size the server said in hello, and every call is answered', async () => {
    server = await startServer({ modules: [module('app', { echo: live((_ctx, n: number) => n) })], options: { limits: { maxMessagesPerFrame: 16 } } });
    const socket = clientSocket(server.url);
    await socket.call('app/echo', [0]);
    const frames: number[] = [];
    const send = socket.ws!.send.bind(socket.ws!);
    socket.ws!.send = (frame: string) => {
      frames.push(JSON.parse(frame).length - 1);
      send(frame);
    };
    const burst = Array.from({ length: 50 }, (_, i) => socket.call('app/echo', [i]));
    expect(await Promise.all(burst)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(frames).toEqual([16, 16, 16, 2]);
  });
});
