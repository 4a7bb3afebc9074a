/**
 * The DevTools secret, which lets its holder act on the dev server (replay calls as another
 * user, run streams' init), is embedded in one module. Only pages of this dev server may read
 * it, however the module's URL is spelled; and the channel trusts no socket it cannot place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ViteDevServer } from 'vite';
import { CHANNEL_EVENT, type ChannelMessage } from '../../runtime/devtools-wire/messages.js';
import { DevtoolsAccess } from '../../plugin/devtools/access.js';
import { DevtoolsChannel } from '../../plugin/devtools/channel.js';
import { hostCheck } from '../../plugin/host-check.js';
import { connectChannel } from '../../plugin/devtools/transport.js';
import { getRuntime } from '../../runtime/server/runtime.js';
import { startDevApp, waitFor, type DevApp } from '../helpers/vite.js';

/** Every spelling of the overlay module's URL that Vite resolves (or might) to the module. */
const SPELLINGS = [
  '/@id/__x00__svelte-realtime:devtools',
  '/@id/virtual:svelte-realtime/devtools',
  '/@id/__x00__svelte-realtime%3Adevtools',
  '/@id/%5F%5Fx00%5F%5Fsvelte-realtime:devtools',
  '/@id/__x00__svelte-realtime:%64evtools',
  '/@id/virtual:svelte-realtime/%64evtools',
  '/@id/%76irtual:svelte-realtime/devtools',
  '/@id/%76irtual%3Asvelte-realtime%2Fdevtools',
  '/@id/__x00__svelte-realtime:devtools?import',
  '/@id/__x00__svelte-realtime:devtools?t=1700000000000',
  '/@id/virtual:svelte-realtime/devtools?import&t=1',
  '/@id/__x00__svelte-realtime:devtools.map'
];

/** Requests from pages of other origins, as browsers send them (Vite's CORS lets localhost pages read). */
const FOREIGN: Record<string, string>[] = [
  { origin: 'http://evil.example' },
  { origin: 'http://localhost:3000' },
  { 'sec-fetch-site': 'cross-site' },
  { 'sec-fetch-site': 'same-site', origin: 'http://localhost:3000' },
  { 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'script', origin: 'http://evil.example' }
];

function origin(app: DevApp): string {
  return app.url.replace('ws://', 'http://').replace('/__realtime', '');
}

async function secretOf(app: DevApp): Promise<string> {
  const text = await fetch(`${origin(app)}/@id/__x00__svelte-realtime:devtools`, { headers: { 'sec-fetch-site': 'same-origin' } }).then((r) => r.text());
  return /"secret":"([^"]+)"/.exec(text)![1]!;
}

describe('the DevTools secret stays with pages of this dev server', () => {
  let app: DevApp;
  let secret: string;
  beforeAll(async () => {
    app = await startDevApp('devtools-app', 'devtools-secret', { devtools: true });
    secret = await secretOf(app);
  });
  afterAll(() => app.close());

  it('is not sent for any spelling of the module to a page of another origin', async () => {
    expect(secret.length).toBeGreaterThanOrEqual(32);
    for (const spelling of SPELLINGS) {
      for (const headers of FOREIGN) {
        const response = await fetch(origin(app) + spelling, { headers });
        const text = await response.text();
        expect(text.includes(secret), `${spelling} ${JSON.stringify(headers)} returned the secret`).toBe(false);
        expect(response.status, `${spelling} ${JSON.stringify(headers)}`).not.toBe(200);
      }
    }
  });

  it('refuses those requests with 403 and says why', async () => {
    const response = await fetch(`${origin(app)}/@id/virtual:svelte-realtime/devtools`, { headers: { origin: 'http://localhost:3000' } });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('only served to pages of this dev server');
  });

  it('is served to pages of this server, marked same-origin only', async () => {
    for (const spelling of ['/@id/__x00__svelte-realtime:devtools', '/@id/virtual:svelte-realtime/devtools']) {
      const response = await fetch(origin(app) + spelling, { headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'script' } });
      expect(response.status, spelling).toBe(200);
      expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(await response.text()).toContain(secret);
    }
  });
});

/** Connects to Vite's dev socket as a client that sends no Origin (not a browser). */
async function bareSocket(app: DevApp): Promise<{ messages: ChannelMessage[]; socket: WebSocket }> {
  const socket = new WebSocket(`${app.url.replace('/__realtime', '')}/`, 'vite-hmr');
  const messages: ChannelMessage[] = [];
  socket.on('message', (data) => {
    const payload = JSON.parse(data.toString()) as { type: string; event?: string; data?: ChannelMessage };
    if (payload.type === 'custom' && payload.event === CHANNEL_EVENT) messages.push(payload.data!);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { messages, socket };
}

describe('the DevTools channel fails closed', () => {
  let app: DevApp;
  beforeAll(async () => {
    app = await startDevApp('devtools-app', 'devtools-closed', { devtools: true });
  });
  afterAll(() => app.close());

  it('refuses a client that sends no Origin: no welcome, no events, no actions', async () => {
    const secret = await secretOf(app);
    const { messages, socket } = await bareSocket(app);
    socket.send(JSON.stringify({ type: 'custom', event: CHANNEL_EVENT, data: { type: 'hello', open: true } }));
    socket.send(JSON.stringify({ type: 'custom', event: CHANNEL_EVENT, data: { type: 'action', ref: 1, secret, action: 'cron', path: 'x/y', control: 'run' } }));
    const refused = await waitFor(() => (messages.filter((m) => m.type === 'refused').length === 2 ? messages : undefined), 'two refusals');
    expect(refused[0]).toMatchObject({ type: 'refused', code: 'FORBIDDEN' });
    expect(messages.some((m) => m.type === 'welcome' || m.type === 'events' || m.type === 'reply' || m.type === 'state')).toBe(false);
    socket.close();
  });
});

describe('the DevTools transport', () => {
  it('treats a message from a client with no socket as untrusted', () => {
    const listeners = new Map<string, (...args: unknown[]) => void>();
    const hot = { on: (event: string, listener: (...args: unknown[]) => void) => void listeners.set(event, listener) };
    const server = { environments: { client: { hot } }, httpServer: null } as unknown as ViteDevServer;
    const channel = new DevtoolsChannel(getRuntime);
    connectChannel(server, channel, new DevtoolsAccess(hostCheck([], 'server.allowedHosts'), { exposed: false, allowRemote: false }));
    const sent: unknown[] = [];
    listeners.get(CHANNEL_EVENT)!({ type: 'hello', open: true }, { send: (_event: string, data: unknown) => sent.push(data) });
    expect(sent).toEqual([expect.objectContaining({ type: 'refused', code: 'FORBIDDEN' })]);
    channel.close();
  });
});
