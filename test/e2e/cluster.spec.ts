/**
 * Scale-out in a browser: two `node build` instances of the example app joined through a
 * redis-server (REALTIME_REDIS_URL), each browser on its own instance. Chat, todos and the
 * board reach the other browser live. Production build only; the spec starts its own
 * redis-server and instances on free ports (not the config's web servers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.js';
import { openPage } from './ready.js';

const appDir = fileURLToPath(new URL('../../example-app', import.meta.url));
let redis: TestRedis | undefined;
const instances: { child: ChildProcess; port: number }[] = [];

/** `node build` on a free port in the cluster; resolved once it listens and joined. */
async function clusterInstance(url: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['build'], {
    cwd: appDir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ORIGIN: `http://127.0.0.1:${port}`, REALTIME_REDIS_URL: url },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('Listening on') && output.includes('joined the cluster')) resolve();
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`node build exited with ${code}: ${output}`)));
  });
  return { child, port };
}

test.beforeAll(async ({}, info) => {
  if (info.project.name !== 'prod') return;
  redis = await startRedis();
  instances.push(await clusterInstance(redis.url), await clusterInstance(redis.url));
});
test.afterAll(async () => {
  for (const { child } of instances.splice(0)) child.kill('SIGKILL');
  await redis?.stop();
});
test.beforeEach(({}, info) => test.skip(info.project.name !== 'prod', 'node build only'));

/** One page per instance, each in its own browser context. */
async function pagesOnBothInstances(browser: Browser, path: string): Promise<[Page, Page]> {
  const pages = await Promise.all(
    instances.map(async ({ port }) => {
      const context = await browser.newContext({ baseURL: `http://127.0.0.1:${port}` });
      const page = await context.newPage();
      await openPage(page, path);
      return page;
    })
  );
  return pages as [Page, Page];
}

const unique = (what: string) => `${what} ${Math.random().toString(36).slice(2, 8)}`;

test('chat: a message sent on one instance appears live on the other', async ({ browser }) => {
  const [a, b] = await pagesOnBothInstances(browser, '/');
  const text = unique('across instances');
  await a.getByLabel('Message').fill(text);
  await a.getByRole('button', { name: 'Send' }).click();
  await expect(b.getByTestId('messages').getByText(text)).toBeVisible();
  await expect(a.getByTestId('messages').getByText(text)).toHaveCount(1);
  // And the other way.
  const reply = unique('reply');
  await b.getByLabel('Message').fill(reply);
  await b.getByRole('button', { name: 'Send' }).click();
  await expect(a.getByTestId('messages').getByText(reply)).toBeVisible();
});

test('todos: a todo added on one instance appears live on the other', async ({ browser }) => {
  const [a, b] = await pagesOnBothInstances(browser, '/todos');
  const title = unique('clustered todo');
  await a.getByLabel('New todo').fill(title);
  await a.getByRole('button', { name: 'Add' }).click();
  await expect(b.getByTestId('todos').locator('li', { hasText: title })).toBeVisible();
});

test('board: cards and presence are shared by both instances', async ({ browser }) => {
  const room = unique('room').replace(' ', '-');
  const [a, b] = await pagesOnBothInstances(browser, `/board?room=${room}`);
  // Two guests, one per instance: each sees both.
  await expect(a.getByTestId('presence').locator('li')).toHaveCount(2);
  await expect(b.getByTestId('presence').locator('li')).toHaveCount(2);
  const card = unique('card');
  await a.getByLabel('New card').fill(card);
  await a.getByRole('button', { name: 'Add' }).click();
  await expect(b.getByTestId('cards').getByText(card)).toBeVisible();
  // Closing one tab leaves the other alone on the board.
  await a.close();
  await expect(b.getByTestId('presence').locator('li')).toHaveCount(1);
});
