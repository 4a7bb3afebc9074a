/**
 * While a subscription's init runs, the topic's events are held for it so the snapshot comes
 * first. A slow init on a busy topic must not make that hold grow without end: past a bound the
 * oldest held events are let go, and the client, seeing a gap after its snapshot, runs init
 * again, so its store still ends equal to the server's state.
 */
import { describe, expect, it } from 'vitest';
import { createStream } from '../../runtime/client/stream.js';
import { MAX_HELD_EVENTS } from '../../runtime/server/connection.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, until, useClientTests } from '../helpers/client.js';
import { deferred, module, startServer, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

describe('events held while init runs', () => {
  it('stay bounded on a busy topic, and the store still ends equal to the server', async () => {
    const items: { id: number }[] = [];
    let gate = deferred();
    let inits = 0;
    const feed = live.stream('feed', async () => {
      inits++;
      const snapshot = items.slice();
      await gate.promise;
      return snapshot;
    }, { merge: 'crud', key: 'id' });
    server = await startServer({ modules: [module('app', { feed })] });
    const socket = clientSocket(server.url);
    const store = createStream<{ id: number }[]>(() => socket, 'app/feed', []);
    cleanups.push(store.subscribe(() => {}));
    await waitFor(() => inits === 1, 'the first init');

    const events = MAX_HELD_EVENTS * 5;
    for (let i = 1; i <= events; i++) {
      items.push({ id: i });
      server.runtime.publish('feed', 'created', { id: i });
    }
    const conn = [...server.runtime.connections.values()][0]!;
    expect(conn.heldEvents('feed')).toBeGreaterThan(0);
    expect(conn.heldEvents('feed')).toBeLessThanOrEqual(MAX_HELD_EVENTS);

    gate.resolve();
    gate = deferred();
    gate.resolve();
    const last = await until(store, (value) => value?.at(-1)?.id === events, 'the last event');
    expect(last).toEqual(items);
    // The snapshot was taken before the burst and the oldest held events were let go: a gap, so init ran again.
    expect(inits).toBe(2);
    expect(conn.heldEvents('feed')).toBe(0);
  });
});
