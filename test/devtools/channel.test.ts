/**
 * The DevTools channel on a real Vite dev server (127.0.0.1, port 0): what the page loads, who
 * may read, who may act. Overlays are played by real WebSocket clients on Vite's own dev
 * socket, the way the overlay in a page talks to it.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { createLogger, createServer, type ViteDevServer } from 'vite';
import { WebSocket } from 'ws';
import realtime from '../../plugin/index.js';
import type { RealtimeOptions } from '../../plugin/options.js';
import { getRuntime, resetRuntime } from '../../runtime/server/runtime.js';
import { CHANNEL_EVENT, type ChannelMessage, type ServerEvent } from '../../runtime/devtools-wire/messages.js';
import { expandPreview } from '../../runtime/devtools-wire/preview.js';
import { unpackMessage, type WireMessage } from '../../runtime/devtools-wire/packing.js';
import { TestClient, waitFor } from '../helpers/server.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface DevServer {
  server: ViteDevServer;
  origin: string;
  close(): Promise<void>;
}

async function startDev(label: string, options: RealtimeOptions): Promise<DevServer> {
  const root = path.join(repo, 'test/.work', `devtools-${label}-${process.pid}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(root), { recursive: true });
  fs.cpSync(path.join(repo, 'test/fixtures/devtools-app'), root, { recursive: true });
  resetRuntime();
  const logger = createLogger('error', { allowClearScreen: false });
  const server = await createServer({
    root,
    configFile: false,
    appType: 'custom',
    customLogger: logger,
    plugins: [svelte(), realtime(options)],
    resolve: {
      alias: {
        'svelte-realtime/server': path.join(repo, 'runtime/server/index.ts'),
        'svelte-realtime/client': path.join(repo, 'runtime/client/index.ts'),
        'svelte-realtime/internal/server': path.join(repo, 'runtime/server/internal.ts'),
        'svelte-realtime/internal/client': path.join(repo, 'runtime/client/internal.ts')
      }
    },
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { host: '127.0.0.1', port: 0, watch: { ignored: [`${repo}/runtime/**`, `${repo}/plugin/**`, `${repo}/devtools-ui/**`] } }
  });
  await server.listen();
  const { port } = server.httpServer!.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      resetRuntime();
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
}

/** An overlay as the page runs it: a client of Vite's dev socket sending custom events. */
class Overlay {
  readonly messages: ChannelMessage[] = [];
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const payload = JSON.parse(data.toString()) as { type: string; event?: string; data?: WireMessage };
      // As the overlay does: calls and publishes travel packed, and are read back as events.
      if (payload.type === 'custom' && payload.event === CHANNEL_EVENT) this.messages.push(unpackMessage(payload.data!));
    });
  }

  static async connect(dev: DevServer, origin = dev.origin): Promise<Overlay> {
    const url = `${dev.origin.replace('http', 'ws')}/?token=${dev.server.config.webSocketToken}`;
    const socket = new WebSocket(url, 'vite-hmr', { origin });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    });
    return new Overlay(socket);
  }

  send(data: unknown): void {
    this.socket.send(JSON.stringify({ type: 'custom', event: CHANNEL_EVENT, data }));
  }

  /** The first message (received or to come) that passes `test`; consumed. */
  async next<T extends ChannelMessage>(test: (m: ChannelMessage) => m is T, timeout?: number): Promise<T>;
  async next(test: (m: ChannelMessage) => boolean, timeout?: number): Promise<ChannelMessage>;
  async next(test: (m: ChannelMessage) => boolean, timeout = 10_000): Promise<ChannelMessage> {
    const end = Date.now() + timeout;
    for (;;) {
      const found = this.messages.find(test);
      if (found) {
        this.messages.splice(this.messages.indexOf(found), 1);
        return found;
      }
      if (Date.now() > end) throw new Error(`no matching channel message within ${timeout} ms; got ${JSON.stringify(this.messages).slice(0, 300)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Server events received so far, in order. */
  events(): ServerEvent[] {
    return this.messages.flatMap((m) => (m.type === 'events' ? m.events : []));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

const isReply = (ref: number) => (m: ChannelMessage): m is Extract<ChannelMessage, { type: 'reply' }> => m.type === 'reply' && m.ref === ref;

describe('DevTools in vite dev (devtools on)', () => {
  let dev: DevServer;
  let secret: string;

  beforeAll(async () => {
    dev = await startDev('on', {});
    const overlayModule = await fetch(`${dev.origin}/@id/__x00__svelte-realtime:devtools`).then((r) => r.text());
    secret = /"secret":"([^"]+)"/.exec(overlayModule)![1]!;
  });
  afterAll(() => dev.close());

  it("appends the registration point and one dynamic import of the overlay to Vite's client", async () => {
    const client = await fetch(`${dev.origin}/@vite/client`).then((r) => r.text());
    expect(client).toContain("Symbol.for('svelte-realtime.tap')");
    expect(client).toContain('import("/@id/__x00__svelte-realtime:devtools")');
    expect(secret.length).toBeGreaterThanOrEqual(32);
  });

  it("compiles the overlay's Svelte source with the app's own Svelte plugin", async () => {
    const app = await fetch(`${dev.origin}/@id/virtual:svelte-realtime/devtools-ui/App.svelte`);
    expect(app.status).toBe(200);
    const code = await app.text();
    expect(code).toMatch(/svelte[_/]internal[_/]client/);
    expect(code).not.toContain('<script');
  });

  it('serves the overlay as one bundled module: the entry imports it, and it imports nothing', async () => {
    const entry = await fetch(`${dev.origin}/@id/__x00__svelte-realtime:devtools`).then((r) => r.text());
    const url = /from\s+"([^"]*devtools-bundle[^"]*)"/.exec(entry)?.[1];
    expect(url, 'the overlay module imports the bundle').toBeDefined();
    const bundle = await fetch(dev.origin + url!);
    expect(bundle.status).toBe(200);
    const code = await bundle.text();
    expect(code).toContain('svelte-realtime-devtools');
    expect(code).not.toMatch(/^\s*import[\s{*]/m);
    const foreign = await fetch(dev.origin + url!, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(foreign.status).toBe(403);
  });

  it("serves the DevTools wire the overlay's data layer imports", async () => {
    const store = await fetch(`${dev.origin}/@id/virtual:svelte-realtime/devtools-ui/data/event-store.ts`).then((r) => r.text());
    const wireUrl = /from\s+"([^"]*runtime\/devtools-wire\/index\.ts)"/.exec(store)?.[1];
    expect(wireUrl, 'event-store.ts imports the wire through its virtual id, resolved to a file').toBeDefined();
    const wire = await fetch(dev.origin + wireUrl!);
    expect(wire.status).toBe(200);
    const messages = await fetch(dev.origin + wireUrl!.replace('index.ts', 'messages.ts')).then((r) => r.text());
    expect(messages).toContain(JSON.stringify(CHANNEL_EVENT));
    const foreign = await fetch(dev.origin + wireUrl!, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(foreign.status).toBe(403);
  });

  it('serves the overlay module and its sources only to pages of this server', async () => {
    const same = await fetch(`${dev.origin}/@id/__x00__svelte-realtime:devtools`, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(same.status).toBe(200);
    const foreign: Record<string, string>[] = [{ origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }];
    for (const headers of foreign) {
      const response = await fetch(`${dev.origin}/@id/__x00__svelte-realtime:devtools`, { headers });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.text()).toContain('only served to pages of this dev server');
      const source = await fetch(`${dev.origin}/@id/virtual:svelte-realtime/devtools-ui/main.ts`, { headers });
      expect(source.status).toBe(403);
    }
  });

  it('listens to telemetry only while an overlay is connected', async () => {
    const runtime = getRuntime();
    expect(runtime.telemetry.active).toBe(false);
    const overlay = await Overlay.connect(dev);
    overlay.send({ type: 'hello', open: false });
    await overlay.next((m) => m.type === 'welcome');
    expect(runtime.telemetry.active).toBe(true);
    await overlay.close();
    await waitFor(() => !runtime.telemetry.active, 'the listener to detach');
  });

  it('keeps history while closed, and sends it and then batches once open', async () => {
    const overlay = await Overlay.connect(dev);
    overlay.send({ type: 'hello', open: false });
    await overlay.next((m) => m.type === 'welcome');
    const page = await TestClient.connect(`${dev.origin.replace('http', 'ws')}/__realtime`);
    expect(await page.subscribe('notes/list')).toMatchObject({ t: 'snapshot' });
    expect(await page.call('notes/addNote', 'before open')).toMatchObject({ t: 'result' });
    // Closed: kept on the server, nothing sent.
    expect(overlay.events()).toEqual([]);

    overlay.send({ type: 'open' });
    const first = await waitFor(() => overlay.events().find((e) => e.type === 'call' && e.path === 'notes/addNote'), 'the history');
    // A small plain value travels as its JSON text; the overlay shows it as its preview.
    expect(first).toMatchObject({ type: 'call', ok: true, args: { t: 'json', v: '["before open"]' } });
    expect(expandPreview((first as Extract<ServerEvent, { type: 'call' }>).args)).toEqual({ t: 'array', n: 1, items: [{ t: 'str', v: 'before open' }] });
    expect(await overlay.next((m) => m.type === 'state')).toMatchObject({ state: { topics: [{ topic: 'notes', subscribers: 1, merge: 'crud' }] } });

    const reply = await page.call('notes/addNote', 'while open');
    const id = (reply as { id: number }).id;
    const publish = await waitFor(
      () => overlay.events().find((e) => e.type === 'publish' && e.cause?.id === id),
      'the publish the call caused'
    );
    expect(publish).toMatchObject({ topic: 'notes', event: 'created', delivered: 1, data: { t: 'json' } });
    expect(expandPreview((publish as Extract<ServerEvent, { type: 'publish' }>).data)).toMatchObject({ t: 'object', entries: [['id', { t: 'num' }], ['text', { t: 'str', v: 'while open' }]] });
    page.close();
    await overlay.close();
  });

  it('refuses an action without the secret, or with a wrong one', async () => {
    const overlay = await Overlay.connect(dev);
    overlay.send({ type: 'hello', open: false });
    await overlay.next((m) => m.type === 'welcome');
    overlay.send({ type: 'action', ref: 1, action: 'cron', path: 'x/y', control: 'run' });
    overlay.send({ type: 'action', ref: 2, secret: 'guessed', action: 'replay', connection: 'c1', id: 1 });
    overlay.send({ type: 'action', ref: 3, secret: secret.slice(0, -1) + (secret.endsWith('a') ? 'b' : 'a'), action: 'replay', connection: 'c1', id: 1 });
    for (const ref of [1, 2, 3]) {
      expect(await overlay.next(isReply(ref))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringContaining('secret') } });
    }
    await overlay.close();
  });

  it('runs an action with the secret: replay a call, read a stream on the server', async () => {
    const overlay = await Overlay.connect(dev);
    overlay.send({ type: 'hello', open: true });
    await overlay.next((m) => m.type === 'welcome');
    const page = await TestClient.connect(`${dev.origin.replace('http', 'ws')}/__realtime`);
    const original = await page.call('notes/addNote', 'replay me');
    expect(original).toMatchObject({ t: 'result' });
    const connection = (await waitFor(
      () => overlay.events().find((e) => e.type === 'call' && JSON.stringify(e.args).includes('replay me')),
      'the call'
    )) as Extract<ServerEvent, { type: 'call' }>;

    overlay.send({ type: 'action', ref: 10, secret, action: 'replay', connection: connection.connection, id: connection.id });
    const replay = await overlay.next(isReply(10));
    if (!replay.ok) throw new Error(JSON.stringify(replay));
    expect(replay).toMatchObject({ ok: true, value: { t: 'object', entries: expect.arrayContaining([['text', { t: 'str', v: 'replay me' }]]) } });

    overlay.send({ type: 'action', ref: 11, secret, action: 'server-value', connection: connection.connection, path: 'notes/list', args: [] });
    const value = await overlay.next(isReply(11));
    expect(value).toMatchObject({ ok: true, value: { t: 'array' } });

    overlay.send({ type: 'action', ref: 12, secret, action: 'replay', connection: 'c-unknown', id: 99 });
    expect(await overlay.next(isReply(12))).toMatchObject({ ok: false, error: { code: 'EXPIRED' } });
    overlay.send({ type: 'action', ref: 13, secret, action: 'server-value', connection: connection.connection, path: 'notes/list', args: 'not an array' });
    expect(await overlay.next(isReply(13))).toMatchObject({ ok: false, error: { code: 'MALFORMED' } });
    overlay.send({ type: 'action', ref: 14, secret, action: 'server-value', connection: connection.connection, path: 'notes/list', args: ['x'.repeat(70_000)] });
    expect(await overlay.next(isReply(14))).toMatchObject({ ok: false, error: { code: 'LIMIT' } });
    overlay.send({ type: 'action', ref: 15, secret, action: 'server-value', connection: connection.connection, path: '__proto__', args: [] });
    expect(await overlay.next(isReply(15))).toMatchObject({ ok: false, error: { code: 'UNKNOWN_PATH' } });
    overlay.send({ type: 'action', ref: 16, secret, action: 'format-disk' });
    expect(await overlay.next(isReply(16))).toMatchObject({ ok: false, error: { code: 'MALFORMED' } });
    overlay.send({ type: 'nonsense' });
    expect(await overlay.next((m) => m.type === 'refused')).toMatchObject({ code: 'MALFORMED' });
    page.close();
    await overlay.close();
  });

  it('refuses a socket from another origin, even with the secret', async () => {
    const overlay = await Overlay.connect(dev, 'http://evil.example');
    overlay.send({ type: 'hello', open: true });
    expect(await overlay.next((m) => m.type === 'refused')).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('another origin') });
    overlay.send({ type: 'action', ref: 1, secret, action: 'replay', connection: 'c1', id: 1 });
    expect(await overlay.next((m) => m.type === 'refused')).toMatchObject({ code: 'FORBIDDEN' });
    expect(overlay.messages.some((m) => m.type === 'reply' || m.type === 'events' || m.type === 'welcome')).toBe(false);
    await overlay.close();
  });
});

describe('DevTools off: realtime({ devtools: false })', () => {
  let dev: DevServer;
  beforeAll(async () => {
    dev = await startDev('off', { devtools: false });
  });
  afterAll(() => dev.close());

  it('adds nothing to the page and answers nothing on the channel', async () => {
    const client = await fetch(`${dev.origin}/@vite/client`).then((r) => r.text());
    expect(client).not.toContain('svelte-realtime');
    expect(dev.server.config.plugins.some((p) => p.name === 'svelte-realtime:devtools')).toBe(false);
    const overlayModule = await fetch(`${dev.origin}/@id/virtual:svelte-realtime/devtools`);
    expect(overlayModule.status).not.toBe(200);

    const page = await TestClient.connect(`${dev.origin.replace('http', 'ws')}/__realtime`);
    expect(await page.call('notes/addNote', 'no one watches')).toMatchObject({ t: 'result' });
    expect(getRuntime().telemetry.active).toBe(false);
    page.close();
  });
});
