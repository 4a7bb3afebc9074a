/**
 * reconnect(): a new socket on demand, so the server's `upgrade` hook runs again (with the
 * cookies a login or a logout just set). Every store resumes from its position; calls waiting
 * for the socket are sent on the new one; calls in flight on the old one fail with DISCONNECTED.
 */
import { describe, expect, it } from 'vitest';
import { reopen } from '../../runtime/client/reconnect.js';
import type { RpcError } from '../../runtime/client/rpc-error.js';
import { createStream } from '../../runtime/client/stream.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, record, until, useClientTests } from '../helpers/client.js';
import { deferred, module, startServer, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

/** Who the next upgrade says the user is: what the session cookie would say. */
let session: string | null = null;
let upgrades = 0;
let inits = 0;
let gate = deferred<string>();

async function start(): Promise<TestServer> {
  session = null;
  upgrades = 0;
  inits = 0;
  gate = deferred<string>();
  server = await startServer({
    modules: [
      module('app', {
        whoami: live((ctx) => ctx.user),
        wait: live(() => gate.promise),
        feed: live.stream('feed', () => {
          inits++;
          return [] as string[];
        }, { merge: 'latest' })
      })
    ],
    hooks: {
      upgrade: () => {
        upgrades++;
        return session;
      }
    }
  });
  return server;
}

describe('reconnect()', () => {
  it('opens a new socket whose upgrade sees the new session, and every store resumes from its position', async () => {
    const { url, runtime } = await start();
    const socket = clientSocket(url);
    const feed = createStream<string[]>(() => socket, 'app/feed', []);
    const values = record(feed);
    cleanups.push(values.stop);
    await until(feed.status, (s) => s === 'ready', 'ready');
    expect(await socket.call('app/whoami', [])).toBeNull();
    runtime.publish('feed', 'created', 'before');
    await until(feed, (v) => v?.includes('before') === true, 'first event');
    const firstConnection = socket.status.get().connection;

    session = 'ada';
    const status = await reopen(socket);
    expect(status.state).toBe('open');
    expect(status.connection).not.toBe(firstConnection);
    expect(upgrades).toBe(2);
    expect(await socket.call('app/whoami', [])).toBe('ada');
    // Resumed, not re-run: init ran once, and the store keeps what it had and hears what follows.
    runtime.publish('feed', 'created', 'after');
    expect(await until(feed, (v) => v?.includes('after') === true, 'event after reconnect')).toEqual(['before', 'after']);
    expect(inits).toBe(1);
    await waitFor(() => runtime.connections.size === 1, 'old socket closed');
  });

  it('fails calls in flight on the old socket with DISCONNECTED, and sends calls that waited on the new one', async () => {
    const { url, runtime } = await start();
    const socket = clientSocket(url);
    expect(await socket.call('app/whoami', [])).toBeNull();
    const inFlight = socket.call('app/wait', []).catch((e: RpcError) => e.code);
    await waitFor(() => [...runtime.connections.values()][0]?.inFlight === 1, 'call running');
    session = 'ada';
    const reopened = reopen(socket);
    // Made while the new socket opens: sent on it.
    const waiting = socket.call('app/whoami', []);
    expect(await inFlight).toBe('DISCONNECTED');
    expect(await waiting).toBe('ada');
    expect((await reopened).state).toBe('open');
  });

  it('works with nothing open: it opens the socket', async () => {
    const { url } = await start();
    const socket = clientSocket(url);
    expect((await reopen(socket)).state).toBe('open');
    expect(upgrades).toBe(1);
  });
});
