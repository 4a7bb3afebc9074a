/**
 * The production server's origin check. With adapter-node's `ORIGIN` set, the app's own origin
 * is known, so the socket compares the page's Origin against it (and `origins`) and no longer
 * trusts the Host header, which a DNS-rebinding page chooses. Without `ORIGIN`, the app's origin
 * is the request's Host, as adapter-node itself then assumes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { live } from '../../runtime/server/index.js';
import { module, startServer, type TestServer } from '../helpers/server.js';

/**
 * Whether the server talks to a page of `origin`: 'served' once its hello arrives, 'refused'
 * when the upgrade is answered with an HTTP error or the socket closes before any message.
 */
function answer(url: string, options: { origin: string; host?: string }): Promise<'served' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { origin: options.origin, headers: options.host ? { host: options.host } : {} });
    socket.once('message', () => {
      resolve('served');
      socket.close();
    });
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve('refused');
      socket.terminate();
    });
    socket.once('close', () => resolve('refused'));
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

let server: TestServer | undefined;
const savedOrigin = process.env.ORIGIN;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (savedOrigin === undefined) delete process.env.ORIGIN;
  else process.env.ORIGIN = savedOrigin;
});

const modules = [module('me', { whoami: live((ctx) => ctx.user) })];

async function startProduction(origins: string[] = []): Promise<TestServer> {
  server = await startServer({ modules, options: { dev: false, origins } });
  return server;
}

describe('production origin check', () => {
  it('with ORIGIN set, refuses a page whose Origin only matches the Host header', async () => {
    process.env.ORIGIN = 'https://app.example.com';
    const { url, port } = await startProduction();
    expect(await answer(url, { origin: `http://127.0.0.1:${port}` })).toBe('refused');
    expect(await answer(url, { host: 'evil.example', origin: 'http://evil.example' })).toBe('refused');
    expect(await answer(url, { origin: 'https://app.example.com' })).toBe('served');
  });

  it('with ORIGIN set, still accepts the origins listed in realtime({ origins })', async () => {
    process.env.ORIGIN = 'https://app.example.com';
    const { url } = await startProduction(['https://admin.example.com']);
    expect(await answer(url, { origin: 'https://admin.example.com' })).toBe('served');
    expect(await answer(url, { origin: 'https://other.example.com' })).toBe('refused');
  });

  it('without ORIGIN, accepts a page on the Host it asked for (adapter-node derives the origin from it too)', async () => {
    delete process.env.ORIGIN;
    const { url, port } = await startProduction();
    expect(await answer(url, { origin: `http://127.0.0.1:${port}` })).toBe('served');
    expect(await answer(url, { origin: 'https://evil.example' })).toBe('refused');
  });
});
