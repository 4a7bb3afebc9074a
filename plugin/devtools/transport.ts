/**
 * Carries the DevTools channel over Vite's own dev socket, as custom events: reading needs what
 * that socket needs (its token, an allowed host), and each socket is placed once, when it
 * opens, by its upgrade request (access.ts). A socket that is not a page of this server, or
 * one this transport never saw open, is answered with refusals only.
 */
import type { IncomingMessage } from 'node:http';
import type { ViteDevServer } from 'vite';
import { CHANNEL_EVENT } from '../../runtime/devtools-wire/messages.js';
import { packMessage } from '../../runtime/devtools-wire/packing.js';
import { NOT_A_PAGE, type Access, type DevtoolsAccess } from './access.js';
import type { DevtoolsChannel, OverlayClient } from './channel.js';

/** A client of Vite's dev socket, as its custom-event listeners receive it. */
type HotClient = { send(event: string, data: unknown): void; socket?: object };

const UNPLACED: Access = { trusted: false, reason: NOT_A_PAGE };

/** Connects `channel` to the dev server's socket until the server closes. */
export function connectChannel(server: ViteDevServer, channel: DevtoolsChannel, access: DevtoolsAccess): void {
  const hot = server.environments.client.hot as unknown as {
    on(event: string, listener: (...args: never[]) => void): void;
  };
  const placed = new WeakMap<object, Access>();
  const clients = new WeakMap<object, OverlayClient>();
  const overlayOf = (client: HotClient): OverlayClient => {
    let overlay = clients.get(client);
    if (!overlay) clients.set(client, (overlay = { send: (message) => client.send(CHANNEL_EVENT, packMessage(message)) }));
    return overlay;
  };
  hot.on('connection', (socket: object, req: IncomingMessage) => placed.set(socket, access.socket(req)));
  hot.on(CHANNEL_EVENT, (data: unknown, client: HotClient) => {
    channel.receive(overlayOf(client), data, (client.socket && placed.get(client.socket)) ?? UNPLACED);
  });
  hot.on('vite:client:disconnect', (_data: unknown, client: HotClient) => channel.disconnect(overlayOf(client)));
  server.httpServer?.once('close', () => channel.close());
}
