/**
 * DNS rebinding against `vite dev` and `vite preview`: a page on a name the attacker controls,
 * re-pointed at 127.0.0.1, sends `Host: evil.example` and `Origin: http://evil.example`, both
 * of its choosing. Vite refuses such a Host on its own requests (`server.allowedHosts`); the
 * realtime socket must refuse it too, before any live function can be called.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { preview, type PreviewServer } from 'vite';
import { WebSocket } from 'ws';
import realtime from '../../plugin/index.js';
import { resetRuntime } from '../../runtime/server/runtime.js';
import { TestClient } from '../helpers/server.js';
import { startDevApp, type DevApp } from '../helpers/vite.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface UpgradeAnswer {
  status: number;
  body: string;
}

/** Tries an upgrade with the given Host and Origin, as a browser on that page would send them. */
function upgrade(url: string, host: string, origin: string): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { host }, origin });
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
        socket.terminate();
      });
    });
    socket.once('upgrade', () => resolve({ status: 101, body: '' }));
    socket.once('open', () => socket.close());
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

describe('vite dev: the realtime socket applies server.allowedHosts', () => {
  let app: DevApp;
  beforeAll(async () => {
    app = await startDevApp('devtools-app', 'origin-dev');
  });
  afterAll(() => app.close());

  it('refuses a rebinding page (Host and Origin both evil.example), saying how to allow the host', async () => {
    const port = portOf(app.url);
    const answer = await upgrade(app.url, `evil.example:${port}`, `http://evil.example:${port}`);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('"evil.example"');
    expect(answer.body).toContain('server.allowedHosts');
    expect(app.runtime.connections.size).toBe(0);
  });

  it('never runs a live function for such a page', async () => {
    const port = portOf(app.url);
    const before = app.runtime.connections.size;
    await expect(
      TestClient.connect(app.url, { headers: { host: `evil.example:${port}` }, origin: `http://evil.example:${port}` })
    ).rejects.toThrow(/403/);
    expect(app.runtime.connections.size).toBe(before);
  });

  it('accepts pages on localhost and 127.0.0.1, as Vite does', async () => {
    const port = portOf(app.url);
    expect((await upgrade(app.url, `localhost:${port}`, `http://localhost:${port}`)).status).toBe(101);
    expect((await upgrade(app.url, `127.0.0.1:${port}`, `http://127.0.0.1:${port}`)).status).toBe(101);
    expect((await upgrade(app.url, `app.localhost:${port}`, `http://app.localhost:${port}`)).status).toBe(101);
    const page = await TestClient.connect(app.url, { origin: `http://127.0.0.1:${port}` });
    expect(await page.call('notes/addNote', 'from this page')).toMatchObject({ t: 'result' });
    page.close();
  });
});

describe('vite dev: hosts the app allows', () => {
  let app: DevApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('accepts a host listed in server.allowedHosts (and its subdomains with a leading dot), and no other', async () => {
    app = await startDevApp('devtools-app', 'origin-allowed', {}, { allowedHosts: ['.dev.example'] });
    const port = portOf(app.url);
    expect((await upgrade(app.url, `dev.example:${port}`, `http://dev.example:${port}`)).status).toBe(101);
    expect((await upgrade(app.url, `team.dev.example:${port}`, `http://team.dev.example:${port}`)).status).toBe(101);
    expect((await upgrade(app.url, `evil.example:${port}`, `http://evil.example:${port}`)).status).toBe(403);
  });

  it('accepts any host with allowedHosts: true, as Vite itself then does', async () => {
    app = await startDevApp('devtools-app', 'origin-any', {}, { allowedHosts: true });
    const port = portOf(app.url);
    expect((await upgrade(app.url, `evil.example:${port}`, `http://evil.example:${port}`)).status).toBe(101);
  });
});

describe('vite preview: the realtime socket applies preview.allowedHosts', () => {
  const root = path.join(repo, 'test/.work', `origin-preview-${process.pid}`);
  let server: PreviewServer;
  let url: string;

  beforeAll(async () => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
    fs.mkdirSync(path.join(root, 'src/live'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist/index.html'), '<!doctype html><p>preview</p>');
    resetRuntime();
    server = await preview({
      root,
      configFile: false,
      logLevel: 'silent',
      plugins: [realtime({ devtools: false, typedImports: false })],
      preview: { host: '127.0.0.1', port: 0, allowedHosts: ['.preview.example'] }
    });
    const { port } = server.httpServer.address() as AddressInfo;
    url = `ws://127.0.0.1:${port}/__realtime`;
  });
  afterAll(async () => {
    await server.close();
    resetRuntime();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses a rebinding page and names preview.allowedHosts; accepts localhost and allowed hosts', async () => {
    const port = portOf(url);
    const refused = await upgrade(url, `evil.example:${port}`, `http://evil.example:${port}`);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('preview.allowedHosts');
    expect((await upgrade(url, `localhost:${port}`, `http://localhost:${port}`)).status).toBe(101);
    expect((await upgrade(url, `app.preview.example:${port}`, `http://app.preview.example:${port}`)).status).toBe(101);
  });
});
