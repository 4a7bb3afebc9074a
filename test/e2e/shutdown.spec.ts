/**
 * A deploy, as `node build` sees it: SIGTERM with a tab connected. The server closes the tab's
 * socket (1012), stops and exits on its own; the tab shows it is reconnecting, and once the new
 * server is up it is open again and works, with no reload. Production build only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { openPage } from './ready.js';
import { freePort } from '../helpers/ports.js';

const appDir = fileURLToPath(new URL('../../example-app', import.meta.url));
const started: ChildProcess[] = [];

test.beforeEach(({}, info) => test.skip(info.project.name !== 'prod', 'node build only'));
test.afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/** `node build` on `port`, resolved once it listens; `exited` resolves with its exit code. */
async function nodeBuild(port: number): Promise<{ child: ChildProcess; exited: Promise<number | null>; output: () => string }> {
  const child = spawn(process.execPath, ['build'], {
    cwd: appDir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ORIGIN: `http://127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  started.push(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('Listening on')) resolve();
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    void exited.then((code) => reject(new Error(`node build exited with ${code}: ${output}`)));
  });
  return { child, exited, output: () => output };
}

test('SIGTERM with a tab connected: the server exits, the tab reconnects to the next one', async ({ page }) => {
  const port = await freePort();
  const first = await nodeBuild(port);
  await openPage(page, `http://127.0.0.1:${port}/`);

  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  expect(first.output()).toContain('SIGTERM: closing sockets');
  await expect(page.getByTestId('connection')).toHaveText('reconnecting');

  await nodeBuild(port);
  await expect(page.getByTestId('connection')).toHaveText('open', { timeout: 20_000 });
  const text = `after the deploy ${Math.random().toString(36).slice(2, 8)}`;
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('messages').getByText(text)).toBeVisible();
});
