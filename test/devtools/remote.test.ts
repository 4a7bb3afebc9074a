/**
 * A dev server that listens beyond loopback (`vite dev --host`) can be reached by anyone on the
 * network, who could claim any origin: there the DevTools (every call's arguments and results,
 * the connected users, actions as another user) are off unless the app opts in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { listensBeyondLoopback } from '../../plugin/devtools/access.js';
import { resolveOptions } from '../../plugin/options.js';
import type { RealtimeOptions } from '../../plugin/options.js';
import { CHANNEL_EVENT, type ChannelMessage } from '../../runtime/devtools-wire/messages.js';
import { startDevApp, waitFor, type DevApp } from '../helpers/vite.js';

let app: DevApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A dev server on every interface (`--host`), reached here through 127.0.0.1. */
async function startExposed(devtools: RealtimeOptions['devtools']): Promise<{ app: DevApp; origin: string }> {
  app = await startDevApp('devtools-app', 'devtools-remote', { devtools }, { host: '0.0.0.0' });
  return { app, origin: app.url.replace('ws://', 'http://').replace('/__realtime', '') };
}

/** An overlay page's socket: same origin, Vite's token; resolves with the first channel message. */
async function channelAnswer(app: DevApp, origin: string): Promise<ChannelMessage> {
  const socket = new WebSocket(`${origin.replace('http', 'ws')}/?token=${app.server.config.webSocketToken}`, 'vite-hmr', { origin });
  const messages: ChannelMessage[] = [];
  socket.on('message', (data) => {
    const payload = JSON.parse(data.toString()) as { type: string; event?: string; data?: ChannelMessage };
    if (payload.type === 'custom' && payload.event === CHANNEL_EVENT) messages.push(payload.data!);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'custom', event: CHANNEL_EVENT, data: { type: 'hello', open: false } }));
  const first = await waitFor(() => messages[0], 'a channel message');
  socket.close();
  return first;
}

describe('vite dev --host', () => {
  it('turns the DevTools off, says how to opt in at start-up, and answers the channel with that', async () => {
    const { app, origin } = await startExposed(true);
    const warnings = app.logs.filter((l) => l.type === 'warn' && l.message.includes('svelte-realtime'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('realtime({ devtools: { allowRemote: true } })');

    const client = await fetch(`${origin}/@vite/client`).then((r) => r.text());
    expect(client).not.toContain('svelte-realtime:devtools');
    const overlay = await fetch(`${origin}/@id/__x00__svelte-realtime:devtools`, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(overlay.status).toBe(403);
    expect(await overlay.text()).not.toContain('"secret"');
    // The DevTools wire holds no secret, and the app's client runtime may import from it.
    const wire = await fetch(`${origin}/@id/virtual:svelte-realtime/devtools-wire`, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(wire.status).toBe(200);

    expect(await channelAnswer(app, origin)).toMatchObject({ type: 'refused', code: 'FORBIDDEN', message: expect.stringContaining('allowRemote: true') });
  });

  it('keeps them with devtools: { allowRemote: true }', async () => {
    const { app, origin } = await startExposed({ allowRemote: true });
    expect(app.logs.some((l) => l.type === 'warn' && l.message.includes('allowRemote'))).toBe(false);
    const client = await fetch(`${origin}/@vite/client`).then((r) => r.text());
    expect(client).toContain('import("/@id/__x00__svelte-realtime:devtools")');
    expect(await channelAnswer(app, origin)).toMatchObject({ type: 'welcome' });
  });
});

describe('which server.host values reach beyond loopback', () => {
  it('treats every interface and any non-loopback address or name as beyond', () => {
    for (const host of [undefined, false, 'localhost', '127.0.0.1', '127.0.0.2', '::1', '[::1]']) {
      expect(listensBeyondLoopback(host), String(host)).toBe(false);
    }
    for (const host of [true, '', '0.0.0.0', '::', '192.168.1.20', 'fe80::1', 'my-laptop.local']) {
      expect(listensBeyondLoopback(host), String(host)).toBe(true);
    }
  });
});

describe('devtools.allowRemote option', () => {
  it('takes true or false, and refuses anything else with a message that says what to write', () => {
    expect(resolveOptions({ devtools: { allowRemote: true } }).devtools).toEqual({ shortcut: 'ctrl+shift+KeyL', allowRemote: true });
    expect(resolveOptions({ devtools: { allowRemote: false } }).devtools).toEqual({ shortcut: 'ctrl+shift+KeyL', allowRemote: false });
    expect(() => resolveOptions({ devtools: { allowRemote: 'yes' } })).toThrow(/devtools.allowRemote must be true or false; got "yes"/);
    expect(() => resolveOptions({ devtools: { remote: true } })).toThrow(/unknown devtools option "remote"; the options are shortcut and allowRemote/);
  });
});
