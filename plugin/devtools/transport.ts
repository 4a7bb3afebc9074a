/**
 * Carries the DevTools channel over Vite's own dev socket, as custom events: reading needs what
 * that socket needs (its token, an allowed host), and a socket opened by a page of another
 * origin is answered with refusals only.
 */
import type { IncomingMessage } from 'node:http';
import type { ViteDevServer } from 'vite';
import { CHANNEL_EVENT } from '../../runtime/devtools-wire/messages.js';
import type { DevtoolsChannel, OverlayClient } from './channel.js';

/** True when an HTTP or upgrade request comes from a page of this server (or from no page at all). */
export function fromSameOrigin(req: Pick<IncomingMessage, 'headers'>): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** A client of Vite's dev socket, as its custom-event listeners receive it. */
type HotClient = { send(event: string, data: unknown): void; socket?: object };

/** Connects `channel` to the dev server's socket until the server closes. */
export function connectChannel(server: ViteDevServer, channel: DevtoolsChannel): void {
  const hot = server.environments.client.hot as unknown as {
    on(event: string, listener: (...args: never[]) => void): void;
  };
  const trusted = new WeakMap<object, boolean>();
  const clients = new WeakMap<object, OverlayClient>();
  const overlayOf = (client: HotClient): OverlayClient => {
    let overlay = clients.get(client);
    if (!overlay) clients.set(client, (overlay = { send: (message) => client.send(CHANNEL_EVENT, message) }));
    return overlay;
  };
  hot.on('connection', (socket: object, req: IncomingMessage) => trusted.set(socket, fromSameOrigin(req)));
  hot.on(CHANNEL_EVENT, (data: unknown, client: HotClient) => {
    const isTrusted = client.socket ? trusted.get(client.socket) !== false : true;
    channel.receive(overlayOf(client), data, isTrusted);
  });
  hot.on('vite:client:disconnect', (_data: unknown, client: HotClient) => channel.disconnect(overlayOf(client)));
  server.httpServer?.once('close', () => channel.close());
}
