/**
 * SIGTERM and SIGINT on a production-like server process: it answers the call in flight, closes
 * the socket with 1012, runs onDispose and exits with 0 while a client is still connected; a
 * second signal exits at once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/server.js';
import { freePort } from '../helpers/ports.js';

const script = fileURLToPath(new URL('../fixtures/shutdown/server.mjs', import.meta.url));
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

async function start(env: Record<string, string> = {}): Promise<{ process: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }> {
  const port = await freePort();
  const started = fork(script, [String(port)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...env } });
  child = started;
  let output = '';
  started.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  started.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    started.once('message', () => resolve());
    void exited.then((code) => reject(new Error(`the server exited with ${code}: ${output}`)));
  });
  return { process: started, url: `ws://127.0.0.1:${port}/__realtime`, output: () => output, exited };
}

describe('stopping on signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: answers the call in flight, closes with 1012, runs onDispose and exits 0`, async () => {
      const server = await start();
      const client = await TestClient.connect(server.url);
      const answer = client.call('jobs/slow');
      await new Promise((resolve) => setTimeout(resolve, 50));

      server.process.kill(signal);

      expect(await answer).toMatchObject({ t: 'result', data: 'slow done' });
      expect(await client.closed).toMatchObject({ code: 1012 });
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('onDispose ran');
    });
  }

  it('exits at once on a second signal, even with a call that never ends', async () => {
    const server = await start({ SHUTDOWN_TIMEOUT: '600' });
    const client = await TestClient.connect(server.url);
    void client.call('jobs/never');
    await new Promise((resolve) => setTimeout(resolve, 50));

    server.process.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.process.exitCode).toBeNull();
    server.process.kill('SIGTERM');

    expect(await server.exited).toBe(143);
    expect(server.output()).toContain('again: exiting now');
  });

  it('refuses to start with a SHUTDOWN_TIMEOUT that is not a number, and says which', async () => {
    await expect(start({ SHUTDOWN_TIMEOUT: 'soon' })).rejects.toThrow(/SHUTDOWN_TIMEOUT must be a number of seconds/);
  });
});
