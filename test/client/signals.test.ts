/**
 * Signals: the server sends to one user (all of their tabs) or one connection, with
 * `ctx.signal` or `signal()`, and pages hear them with onSignal; nothing is subscribed by the
 * page, and other users hear nothing.
 */
import { describe, expect, it } from 'vitest';
import { listenForSignal } from '../../runtime/client/signals.js';
import { live, signal } from '../../runtime/server/index.js';
import { getRuntime } from '../../runtime/server/runtime.js';
import { clientSocket, useClientTests } from '../helpers/client.js';
import { module, startServer, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

async function start() {
  server = await startServer(
    {
      modules: [
        module('inbox', {
          nudge: live((ctx, to: string, text: string) => ctx.signal(to, 'nudge', { from: (ctx.user as { id: string }).id, text })),
          ping: live((ctx) => ctx.signal({ connectionId: ctx.connectionId }, 'pong', 'just you'))
        })
      ],
      hooks: { upgrade: ({ request }) => ({ id: new URL(request.url).searchParams.get('user') }) }
    },
    getRuntime()
  );
  const page = (user: string) => {
    const socket = clientSocket(`${server!.url}?user=${user}`);
    const heard: [string, unknown][] = [];
    const stop = listenForSignal(socket, 'nudge', (data, event) => heard.push([event, data]));
    const stopPong = listenForSignal(socket, 'pong', (data, event) => heard.push([event, data]));
    cleanups.push(stop, stopPong);
    return { socket, heard };
  };
  return { page };
}

const open = (socket: { status: { get(): { state: string } } }) => waitFor(() => socket.status.get().state === 'open', 'the socket to open');

describe('signals', () => {
  it("reach every tab of one user, and nobody else's", async () => {
    const { page } = await start();
    const adaTab1 = page('ada');
    const adaTab2 = page('ada');
    const bob = page('bob');
    await Promise.all([adaTab1, adaTab2, bob].map((p) => open(p.socket)));

    await bob.socket.call('inbox/nudge', ['ada', 'lunch?']);

    await waitFor(() => adaTab1.heard.length === 1 && adaTab2.heard.length === 1, 'both of ada’s tabs');
    expect(adaTab1.heard).toEqual([['nudge', { from: 'bob', text: 'lunch?' }]]);
    expect(adaTab2.heard).toEqual(adaTab1.heard);
    expect(bob.heard).toEqual([]);
  });

  it('reach one connection only, and come from anywhere on the server with signal()', async () => {
    const { page } = await start();
    const tab1 = page('ada');
    const tab2 = page('ada');
    await Promise.all([tab1, tab2].map((p) => open(p.socket)));

    await tab1.socket.call('inbox/ping', []);
    await waitFor(() => tab1.heard.length === 1, 'the pong');
    expect(tab1.heard).toEqual([['pong', 'just you']]);

    signal('ada', 'nudge', { from: 'a form action', text: 'hello' });
    await waitFor(() => tab2.heard.length === 1, 'the server’s nudge');
    expect(tab2.heard).toEqual([['nudge', { from: 'a form action', text: 'hello' }]]);
  });

  it('keep the socket open while a page listens, and stop when it no longer does', async () => {
    const { page } = await start();
    const ada = page('ada');
    await open(ada.socket);
    for (const stop of cleanups.splice(0)) stop();
    signal('ada', 'nudge', 'unheard');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ada.heard).toEqual([]);
  });

  it('refuse a target that is none, naming it', async () => {
    await start();
    expect(() => signal({} as never, 'nudge')).toThrow(/to must be a user's id \(a string or a number\) or \{ connectionId \}/);
    expect(() => signal('ada', '')).toThrow(/event must be a non-empty string/);
  });
});
