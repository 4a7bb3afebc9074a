/**
 * The overlay's store as the panels use it: Clear, error badges that reset once looked at, and
 * this page's own cursor moves kept out of the call list, fed by the real client runtime's tap.
 */
import { describe, expect, it } from 'vitest';
import { EventStore } from '../../devtools-ui/data/event-store.js';
import { watchPageSockets } from '../../devtools-ui/data/page-tap.js';
import { preview } from '../../runtime/devtools-wire/preview.js';
import { TAP_INSTALL_CODE, TAP_KEY, type TappedSocket } from '../../runtime/devtools-wire/tap.js';
import type { ServerEvent } from '../../runtime/devtools-wire/messages.js';
import { live } from '../../runtime/server/index.js';
import { CURSOR_ACTION } from '../../runtime/protocol.js';
import { clientSocket, useClientTests } from '../helpers/client.js';
import { module, startServer, type TestServer } from '../helpers/server.js';

let n = 0;
const call = (id: number, ok = true): ServerEvent => ({
  n: ++n,
  time: 1_000 + n,
  type: 'call',
  connection: 'c1',
  id,
  path: 'a/b',
  duration: 1,
  ok,
  args: preview([]),
  error: ok ? undefined : { code: 'NOPE', message: 'no' },
  bytesIn: 10,
  bytesOut: 10
});
const reload = (error: boolean): ServerEvent => ({
  n: ++n,
  time: 1_000 + n,
  type: 'reload',
  file: 'src/live/a.ts',
  added: [],
  removed: [],
  changed: [],
  duration: 1,
  rolledBack: error,
  error: error ? { message: 'Unexpected token' } : undefined
});

describe('badges and Clear', () => {
  it('counts errors until they are looked at, then from zero again', () => {
    const store = new EventStore();
    store.ingest([call(1, false), call(2, false), call(3), reload(true)]);
    expect(store.counts()).toMatchObject({ calls: 3, errors: 2, reloadErrors: 1 });
    store.markSeen('calls');
    expect(store.counts()).toMatchObject({ errors: 0, reloadErrors: 1 });
    store.ingest([call(4, false)]);
    expect(store.counts().errors).toBe(1);
    store.markSeen('reloads');
    expect(store.counts().reloadErrors).toBe(0);
  });

  it("counts this page's failed call once, whether the page or the server reports it first", () => {
    const store = new EventStore();
    store.pageStatus({ state: 'open', attempts: 0, latency: 3, connectionId: 'c1' });
    store.pageCall(7, 'a/b', 1000);
    store.pageReply(7, false, 1005); // the panel is closed: no server event yet
    expect(store.counts().errors).toBe(1);
    store.ingest([{ ...call(7, false) }]);
    expect(store.counts().errors).toBe(1);
    store.ingest([call(8, false)]);
    store.pageCall(8, 'a/b', 1000);
    store.pageReply(8, false, 1005);
    expect(store.counts().errors).toBe(2);
  });

  it('Clear forgets calls, events and reloads, zeroes the counts, and does not take back history sent again', () => {
    const store = new EventStore();
    const history = [call(1, false), call(2), reload(false)];
    store.ingest(history);
    store.pageStatus({ state: 'open', attempts: 0, latency: 3, connectionId: 'c1' });
    store.clear();
    expect(store.callList()).toEqual([]);
    expect(store.reloadList()).toEqual([]);
    expect(store.counts()).toMatchObject({ calls: 0, errors: 0, reloads: 0, reloadErrors: 0 });
    expect(store.page).toMatchObject({ state: 'open', connection: 'c1' });
    store.ingest(history); // an overlay that reopens is sent the server's history again
    expect(store.callList()).toEqual([]);
    store.ingest([call(3)]);
    expect(store.callList().map((c) => c.id)).toEqual([3]);
    expect(store.counts().calls).toBe(1);
  });

  it("shows a finished call whose server event was never kept as done, not as 'pending'", () => {
    const store = new EventStore();
    store.pageStatus({ state: 'open', attempts: 0, latency: 3, connectionId: 'c9' });
    store.pageCall(1, 'a/b', 1000);
    store.pageReply(1, true, 1010);
    const [record] = store.callList();
    expect(record).toMatchObject({ status: 'ok', roundTrip: 10, duration: null });
  });
});

describe("this page's cursor moves", () => {
  let server: TestServer | undefined;
  const cleanups = useClientTests(async () => {
    delete (globalThis as Record<symbol, unknown>)[TAP_KEY];
    await server?.close();
    server = undefined;
  });

  it('are kept out of the call list by default, through the typed tap, which stop() takes off the socket', async () => {
    const board = live.room({ init: async () => [], actions: { add: async () => 'added' } });
    server = await startServer({ modules: [module('m', { board })] });
    (0, eval)(TAP_INSTALL_CODE);
    const socket = clientSocket(server.url);
    cleanups.push(() => socket['ws']?.close());
    const store = new EventStore();
    const tap = watchPageSockets(store);
    const tapped: TappedSocket = socket;
    expect(tapped.tap).toBeTypeOf('function');

    await socket.call('m/board', ['r1', 'add']);
    // Refused (no cursor subscription), and a call all the same.
    await expect(socket.call('m/board', ['r1', CURSOR_ACTION, { x: 1, y: 1 }])).rejects.toMatchObject({ code: expect.any(String) });
    expect(store.callList().map((c) => c.path)).toEqual(['m/board']);
    expect(store.callList({ internal: true })).toHaveLength(2);

    tap.stop();
    expect(tapped.tap).toBeUndefined();
    expect(await socket.call('m/board', ['r1', 'add'])).toBe('added');
    expect(store.callList({ internal: true })).toHaveLength(2);
  });
});
