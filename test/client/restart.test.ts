/**
 * Restart: the server process is killed (SIGKILL) mid-stream and started again. Stores reconnect
 * to the new process, whose topics have a new epoch, so they re-run init instead of resuming:
 * each ends equal to the server's state, never with a silent gap.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createStream } from '../../runtime/client/stream.js';
import { clientSocket, until, useClientTests } from '../helpers/client.js';
import { waitFor } from '../helpers/server.js';
import { freePort } from '../helpers/ports.js';

const script = fileURLToPath(new URL('../fixtures/restart/server.mjs', import.meta.url));
let child: ChildProcess | undefined;
const cleanups = useClientTests(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

interface Item {
  id: number;
  text: string;
}

async function startServer(port: number, file: string): Promise<ChildProcess> {
  const started = fork(script, [String(port), file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    started.once('message', () => resolve());
    started.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  return started;
}

describe('restart', () => {
  it('brings every store back to the server state after the server is killed and started again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'realtime-restart-'));
    const file = path.join(dir, 'db.json');
    const port = await freePort();
    child = await startServer(port, file);
    const url = `ws://127.0.0.1:${port}/__realtime`;
    const sockets = [clientSocket(url), clientSocket(url), clientSocket(url)];
    const stores = sockets.map((socket) => createStream<Item[]>(() => socket, 'app/feed', []));
    for (const store of stores) cleanups.push(store.subscribe(() => {}));
    await Promise.all(stores.map((store) => until(store, (items) => (items?.length ?? 0) >= 10, 'items before the kill')));

    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    const before = JSON.parse(fs.readFileSync(file, 'utf8')) as { next: number };
    child = await startServer(port, file);

    // Let the new process publish for a while, then freeze it and compare.
    await waitFor(() => JSON.parse(fs.readFileSync(file, 'utf8')).next > before.next + 50, 'the new process publishing', 10_000);
    const frozen = new Promise<{ state: { next: number; items: Item[] } }>((resolve) => child!.once('message', resolve as never));
    child.send('freeze');
    const { state } = await frozen;
    for (const store of stores) {
      const items = await until(store, (value) => value?.at(-1)?.id === state.items.at(-1)!.id, 'the server state');
      expect(items).toEqual(state.items);
    }
    // Items the old process had published before it died, deleted by the new one since, are gone
    // from every store: the stores follow the new process's state, with no gap left behind.
    expect(state.items[0]!.id).toBeGreaterThan(before.next);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);
});
