/**
 * A throwaway redis-server for the cluster suite: 127.0.0.1, a free port, no persistence, in a
 * temporary directory; `stop()` kills it and removes the directory.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startRedisServer() {
  const binary = '/usr/bin/redis-server';
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: install redis-server (apt-get install redis-server)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const end = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (Date.now() > end) throw new Error('bench: redis-server did not answer PING');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) await new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL')));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}
