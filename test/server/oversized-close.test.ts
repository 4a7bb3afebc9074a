/**
 * A frame past the socket's hard cap closes that socket with 1009, as documented, and the
 * client sees 1009: not a reset (1006), which is what cutting the socket at once produced when
 * the client was still sending the rest of the frame. The client runs in a process of its own,
 * as a real one would, so its writes and reads are not interleaved with the server's.
 */
import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/index.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

/** Opens a socket, sends one frame of `size` bytes and prints the close code it receives. */
const CLIENT = `
const { WebSocket } = require('ws');
const [url, size, binary] = process.argv.slice(1);
const socket = new WebSocket(url);
socket.on('error', () => {});
socket.on('open', () => socket.send(binary === '1' ? Buffer.alloc(Number(size)) : 'x'.repeat(Number(size))));
socket.on('close', (code) => { console.log(code); process.exit(0); });
`;

function closeCodeFor(url: string, size: number, binary: boolean): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', CLIENT, url, String(size), binary ? '1' : '0'], (error, stdout) => {
      if (error) reject(error);
      else resolve(Number(stdout.trim()));
    })
  );
}

let server: TestServer | undefined;
afterEach(async () => server?.close());

describe('a frame past the hard cap', () => {
  it('closes with 1009, which the client receives, and other clients go on', { timeout: 60_000 }, async () => {
    // Default limits: the hard cap is 16 MiB. The larger frames are still arriving when the cap is passed.
    server = await startServer({ modules: [module('app', { ok: live(() => 'ok') })] });
    const bystander = await TestClient.connect(server.url);
    const codes: number[] = [];
    for (const size of [17, 64, 100]) for (const binary of [false, true]) codes.push(await closeCodeFor(server.url, size * 2 ** 20, binary));
    expect(codes).toEqual(Array(6).fill(1009));
    expect(await bystander.call('app/ok')).toMatchObject({ t: 'result', data: 'ok' });
    bystander.close();
  });
});
