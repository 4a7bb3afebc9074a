/**
 * Server hot reload in `vite dev`: editing a live module on disk changes what the page's next
 * call returns, without a page reload; a syntax error leaves the page working on the previous
 * code and shows where it is. Dev only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../example-app/src/live/greeting.ts');
let original = '';

test.beforeEach(({}, testInfo) => {
  test.skip(testInfo.project.name === 'prod', 'hot reload exists in vite dev only');
  original = fs.readFileSync(file, 'utf8');
});
test.afterEach(() => {
  if (original) fs.writeFileSync(file, original);
});

async function greet(page: Page, name: string) {
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Greet' }).click();
}

/**
 * Opens /greeting and greets once. A dev server may reload a page it serves for the first time
 * (dependencies discovered late), so this retries until a call answers. Returns how many times
 * the page has navigated since, and when the page's script ran (a remount would change it).
 */
async function open(page: Page, name: string, expected: string) {
  await page.goto('/greeting');
  await expect(async () => {
    await expect(page.locator('form[data-hydrated="true"]')).toBeAttached({ timeout: 2000 });
    await greet(page, name);
    await expect(page.getByTestId('reply')).toHaveText(expected, { timeout: 2000 });
  }).toPass({ timeout: 20_000 });
  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  const loadedAt = await page.getByTestId('loaded-at').textContent();
  return { reloads: () => navigations, loadedAt };
}

function withText(text: string): string {
  return original.replace('`Hello, ${name}!`', text);
}

test('an edited live module answers the next call, with no page reload', async ({ page }) => {
  const opened = await open(page, 'Ada', 'Hello, Ada!');

  fs.writeFileSync(file, withText('`Good evening, ${name}.`'));
  // The reload takes a moment: call until the new code answers.
  await expect(async () => {
    await greet(page, 'Ada');
    await expect(page.getByTestId('reply')).toHaveText('Good evening, Ada.', { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  expect(opened.reloads()).toBe(0);
  expect(await page.getByTestId('loaded-at').textContent()).toBe(opened.loadedAt);
});

test('a syntax error leaves the page working and shows where it is', async ({ page }) => {
  const opened = await open(page, 'Grace', 'Hello, Grace!');
  fs.writeFileSync(file, withText('`Broken, ${name}`);\nexport const oops = ('));

  const overlay = page.locator('vite-error-overlay');
  await expect(overlay).toBeAttached({ timeout: 15_000 });
  await expect(overlay.locator('.message-body')).toContainText(/src\/live\/greeting\.ts:\d+:\d+ does not parse/);
  await page.keyboard.press('Escape');
  await expect(overlay).not.toBeAttached();

  // The previous code still answers.
  await greet(page, 'Hopper');
  await expect(page.getByTestId('reply')).toHaveText('Hello, Hopper!');

  // Fixed: the new code answers, the page was never reloaded.
  fs.writeFileSync(file, withText('`Welcome back, ${name}.`'));
  await expect(async () => {
    await greet(page, 'Grace');
    await expect(page.getByTestId('reply')).toHaveText('Welcome back, Grace.', { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  expect(opened.reloads()).toBe(0);
  expect(await page.getByTestId('loaded-at').textContent()).toBe(opened.loadedAt);
});
