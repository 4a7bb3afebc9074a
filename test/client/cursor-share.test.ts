/**
 * A room's cursor shared from the browser runtime (the page's room object): moves wait for the
 * share to be in place, a dropped socket takes the cursor out and the reconnect puts it back,
 * and a share the guard refuses fails its moves with the guard's error.
 */
import { describe, expect, it } from 'vitest';
import type { RoomClient } from '../../runtime/client/index.js';
import { createStream } from '../../runtime/client/stream.js';
import { roomObject } from '../../runtime/client/stubs.js';
import type { LiveSocket } from '../../runtime/client/socket.js';
import { guard, live } from '../../runtime/server/index.js';
import { clientSocket, until, useClientTests } from '../helpers/client.js';
import { module, startServer, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

const board = live.room({
  init: () => [],
  select: (user) => ({ name: String((user as { id: string }).id).toUpperCase() }),
  cursors: { tick: 0, check: (p): p is { x: number } => typeof (p as { x?: unknown } | null)?.x === 'number' }
});
const auth = guard((ctx) => (ctx.user as { id: string }).id !== 'mallory');
const hooks = { upgrade: ({ request }: { request: Request }) => ({ id: new URL(request.url).searchParams.get('user') ?? 'anon' }) as never };

type Room = RoomClient<unknown[], { key: string; user: { name: string } }, {}, { name: string }, { x: number }>;

/** The page's room object for `id`, over `socket`, as the generated stub makes it. */
function roomOf(socket: LiveSocket, id: string): Room {
  return roomObject(
    id,
    (part) => createStream(() => socket, 'collab/board', [id, part]),
    (...args) => socket.call('collab/board', [id, ...args])
  ) as Room;
}

function connect(user: string): LiveSocket {
  return clientSocket(`${server!.url}?user=${user}`);
}

describe('shareCursor() from the page runtime', () => {
  it('moves at once after sharing, leaves with a dropped socket and comes back with the reconnect', async () => {
    server = await startServer({ modules: [module('collab', { auth, board })], hooks });
    const page = roomOf(connect('ann'), 'r1');
    cleanups.push(page.cursors.subscribe(() => {}));
    await until(page.cursors.status, (s) => s === 'ready', 'cursors ready');

    const share = roomOf(connect('bot'), 'r1').shareCursor();
    cleanups.push(() => share.stop());
    // No wait for the share to be in place: the move waits for it.
    await share.move({ x: 1 });
    await until(page.cursors, (list) => (list ?? []).some((c) => c.key === 'user:bot' && c.data.x === 1), 'the bot at 1');

    // The server drops the bot's socket: its cursor leaves; the client reconnects and shares again.
    const botConnection = [...server.runtime.connections.values()].find((c) => (c.user as { id: string }).id === 'bot')!;
    botConnection.socket.terminate();
    await until(page.cursors, (list) => !(list ?? []).some((c) => c.key === 'user:bot'), 'the bot gone');
    await waitFor(() => [...server!.runtime.connections.values()].some((c) => (c.user as { id: string }).id === 'bot' && c.subscriptions.size === 1), 'share again');
    await share.move({ x: 2 });
    const back = await until(page.cursors, (list) => (list ?? []).some((c) => c.key === 'user:bot' && c.data.x === 2), 'the bot at 2');
    expect(back!.find((c) => c.key === 'user:bot')).toEqual({ key: 'user:bot', data: { x: 2 }, user: { name: 'BOT' } });

    share.stop();
    await until(page.cursors, (list) => !(list ?? []).some((c) => c.key === 'user:bot'), 'the bot stopped');
    await expect(share.move({ x: 3 })).rejects.toMatchObject({ code: 'STOPPED' });
  });

  it("fails a share's moves with the guard's refusal, and a position the room's check refuses with BAD_CURSOR", async () => {
    server = await startServer({ modules: [module('collab', { auth, board })], hooks });
    const refused = roomOf(connect('mallory'), 'r1').shareCursor();
    cleanups.push(() => refused.stop());
    await expect(refused.move({ x: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const share = roomOf(connect('bot'), 'r1').shareCursor();
    cleanups.push(() => share.stop());
    await expect(share.move({ y: 1 } as never)).rejects.toMatchObject({ code: 'BAD_CURSOR' });
    await expect(share.move({ x: 1 })).resolves.toBeUndefined();
  });
});
