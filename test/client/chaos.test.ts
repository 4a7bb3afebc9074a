/**
 * Chaos: browser clients (the real client runtime, in Node) follow many topics while the server
 * cuts random sockets and a publisher keeps publishing. At the end every store equals the
 * server's state, and the event log of every topic reached every client once per event: 0 lost,
 * 0 duplicated (resumed from the position where history held it, re-initialised where not).
 */
import { describe, expect, it } from 'vitest';
import { createStream, type LiveStore } from '../../runtime/client/stream.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, useClientTests } from '../helpers/client.js';
import { module, startServer, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

const ROOMS = 8;
const CLIENTS = 16;
const ROOMS_PER_CLIENT = 4;
const PUBLISHES = 3000;

interface Item {
  id: number;
  n: number;
}

describe('chaos', () => {
  it('loses and duplicates nothing while the server drops random sockets under a steady publisher', async () => {
    // The server's state: per room, its items (crud) and the full log of what was published.
    const items: Item[][] = Array.from({ length: ROOMS }, () => []);
    const logs: number[][] = Array.from({ length: ROOMS }, () => []);
    server = await startServer({
      modules: [
        module('chaos', {
          items: live.stream((_ctx, room: number) => `items:${room}`, (_ctx, room: number) => items[room]!.slice()),
          log: live.stream((_ctx, room: number) => `log:${room}`, (_ctx, room: number) => logs[room]!.slice(), { merge: 'latest', max: PUBLISHES })
        })
      ],
      options: { dev: false }
    });

    const stores: { room: number; items: LiveStore<Item[]>; log: LiveStore<number[]> }[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const socket = clientSocket(server.url);
      for (let r = 0; r < ROOMS_PER_CLIENT; r++) {
        const room = (c + r * 3) % ROOMS;
        const entry = { room, items: createStream<Item[]>(() => socket, 'chaos/items', [room]), log: createStream<number[]>(() => socket, 'chaos/log', [room]) };
        cleanups.push(entry.items.subscribe(() => {}), entry.log.subscribe(() => {}));
        stores.push(entry);
      }
    }

    let dropped = 0;
    let published = 0;
    // Steady publishes across the rooms: create, update or delete, the state kept as the truth.
    while (published < PUBLISHES) {
      for (let burst = 0; burst < 10 && published < PUBLISHES; burst++) {
        const n = ++published;
        const room = n % ROOMS;
        const list = items[room]!;
        const kind = list.length > 5 && n % 3 === 0 ? 'deleted' : list.length > 0 && n % 3 === 1 ? 'updated' : 'created';
        if (kind === 'created') {
          const item = { id: n, n };
          list.push(item);
          server.runtime.publish(`items:${room}`, 'created', item);
        } else if (kind === 'updated') {
          const item = list[n % list.length]!;
          item.n = n;
          server.runtime.publish(`items:${room}`, 'updated', { ...item });
        } else {
          const [item] = list.splice(n % list.length, 1);
          server.runtime.publish(`items:${room}`, 'deleted', item!.id);
        }
        logs[room]!.push(n);
        server.runtime.publish(`log:${room}`, 'created', n);
      }
      // Now and then, cut a random client's socket on the server side.
      if (published % 50 === 0) {
        const connections = [...server.runtime.connections.values()];
        const victim = connections[(published * 7919) % Math.max(1, connections.length)];
        if (victim) {
          victim.socket.terminate();
          dropped++;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }

    // Every store settles to the server's state.
    const settled = (): boolean =>
      stores.every(({ room, items: itemStore, log }) => {
        const value = current(itemStore) ?? [];
        const want = items[room]!;
        return value.length === want.length && (current(log) ?? []).length === logs[room]!.length && sameItems(value, want);
      });
    await waitFor(settled, 'every store equal to the server', 20_000);

    let lost = 0;
    let duplicated = 0;
    for (const { room, log } of stores) {
      const seen = current(log)!;
      const unique = new Set(seen);
      duplicated += seen.length - unique.size;
      for (const n of logs[room]!) if (!unique.has(n)) lost++;
      expect(seen).toEqual(logs[room]);
    }
    console.log(`chaos: ${PUBLISHES} publishes to ${stores.length * 2} stores on ${CLIENTS} clients, ${dropped} sockets dropped: ${lost} events lost, ${duplicated} duplicated`);
    expect(dropped).toBeGreaterThan(20);
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
  }, 60_000);
});

function current<T>(store: LiveStore<T>): T | undefined {
  let value: T | undefined;
  store.subscribe((v) => (value = v))();
  return value;
}

function sameItems(a: Item[], b: Item[]): boolean {
  const byId = new Map(b.map((item) => [item.id, item.n]));
  return a.every((item) => byId.get(item.id) === item.n);
}
