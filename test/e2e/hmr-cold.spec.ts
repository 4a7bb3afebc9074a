/**
 * Saving a live module in `vite dev` leaves the page alone, on a cold start as a new user has
 * it (a fresh copy of example-app with the package installed from its packed files, no Vite
 * cache, `--force`): two tabs, a feed post, a guarded call, the DevTools opened and closed, a
 * body edit of src/live/counter.ts, a syntax error, then the fix. Through all of it the
 * counter page is never reloaded or remounted (its local state and a marker on `window`
 * survive), every call answers, the error shows in Vite's overlay while the previous handler
 * keeps answering, and the fix takes over. Each iteration starts a new dev server on a cold
 * cache, so the first-visit work (dependency optimisation, the overlay's first load) happens
 * while the test runs. Dev only.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { COUNTER_FILE, counterModule, createColdApp, type ColdApp } from './cold-app.js';

/** Cold starts, and the whole sequence run in new tabs after each: 6 runs in all, 2 of them cold. */
const COLD_STARTS = 2;
const RUNS_PER_START = 3;

let app: ColdApp | undefined;

test.describe('a save on a cold dev server', () => {
  test.beforeAll(async ({}, info) => {
    if (info.project.name !== 'dev') return;
    app = await createColdApp('hmr-cold');
  });
  test.afterEach(async () => {
    await app?.stop();
  });
  test.afterAll(() => {
    app?.remove();
  });

  for (let start = 1; start <= COLD_STARTS; start++) {
    test(`leaves the page alone, cold start ${start} of ${COLD_STARTS}`, async ({ browser }, info) => {
      test.skip(info.project.name !== 'dev', 'hot reload exists in vite dev only');
      test.setTimeout(90_000);
      app!.write(COUNTER_FILE, counterModule('v1'));
      await app!.start();
      for (let run = 1; run <= RUNS_PER_START; run++) {
        await test.step(`run ${run} of ${RUNS_PER_START}`, () => runSequence(browser, app!));
      }
    });
  }
});

/** The counter page, watched: every navigation of its main frame is counted. */
async function openCounter(browser: Browser, url: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}/counter`);
  await expect(page.locator('button[data-hydrated="true"]')).toBeVisible({ timeout: 20_000 });
  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  await page.evaluate(() => ((window as unknown as { __coldMarker: string }).__coldMarker = 'still here'));
  return { context, page, navigations: () => navigations };
}

/**
 * Clicks Add and waits for that click's reply (it must answer, within generous bounds). The
 * click count is the component's local state: it only goes up while the component lives.
 */
async function add(page: Page, clicks: { n: number }): Promise<string> {
  clicks.n++;
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByTestId('clicks')).toHaveText(String(clicks.n), { timeout: 2000 });
  const reply = page.getByTestId('reply');
  await expect(reply).not.toHaveText(/waiting/, { timeout: 5000 });
  const text = (await reply.textContent()) ?? '';
  expect(text.startsWith(`${clicks.n} `), `the reply to click ${clicks.n}: ${text}`).toBe(true);
  return text.slice(String(clicks.n).length + 1);
}

/** Calls until the reply comes from the handler labelled `label`; every call must answer. */
async function addUntil(page: Page, clicks: { n: number }, label: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const reply = await add(page, clicks);
    if (reply.startsWith(`${label}:`)) return;
    expect(reply, 'a reply from the previous handler while the new one loads').toMatch(/^v\d:\d+$/);
    expect(Date.now(), `the handler labelled ${label} to answer`).toBeLessThan(deadline);
    await page.waitForTimeout(100);
  }
}

async function runSequence(browser: Browser, app: ColdApp) {
  const counter = await openCounter(browser, app.url);
  const { page } = counter;
  const clicks = { n: 0 };
  // A second run on the same server starts from v1 again: a body edit too.
  app.write(COUNTER_FILE, counterModule('v1'));
  await addUntil(page, clicks, 'v1');

  // A second tab in the same browser: a feed post, then a guarded call as a guest.
  const other = await counter.context.newPage();
  await other.goto(`${app.url}/`);
  await expect(other.getByTestId('connection')).toHaveText('open', { timeout: 20_000 });
  const text = `cold ${Date.now()}`;
  await expect(async () => {
    await other.getByLabel('Message').fill(text);
    await other.getByRole('button', { name: 'Send' }).click();
    await expect(other.getByTestId('messages')).toContainText(text, { timeout: 2000 });
  }).toPass({ timeout: 20_000 });
  await other.goto(`${app.url}/admin`);
  await expect(other.getByTestId('refused')).toHaveText(/^UNAUTHORIZED: /, { timeout: 20_000 });

  // The DevTools opened and closed on the counter page.
  const devtools = page.getByRole('dialog', { name: 'svelte-realtime DevTools' });
  await page.keyboard.press('Control+Shift+KeyL');
  await expect(devtools).toBeVisible({ timeout: 20_000 });
  await page.keyboard.press('Control+Shift+KeyL');
  await expect(devtools).toBeHidden();
  expect(await add(page, clicks)).toMatch(/^v\d:\d+$/);

  // A body edit: the next calls run the new code; nothing changes in the browser.
  app.write(COUNTER_FILE, counterModule('v2'));
  await addUntil(page, clicks, 'v2');

  // A syntax error: the overlay shows where, and the previous handler keeps answering.
  app.write(COUNTER_FILE, counterModule('v3', 'export const broken = (;\n'));
  const overlay = page.locator('vite-error-overlay');
  await expect(overlay).toBeAttached({ timeout: 15_000 });
  await expect(overlay.locator('.message-body')).toContainText(/src\/live\/counter\.ts:\d+:\d+ does not parse/);
  await page.keyboard.press('Escape');
  await expect(overlay).not.toBeAttached();
  for (let i = 0; i < 3; i++) expect(await add(page, clicks)).toMatch(/^v2:\d+$/);

  // The fix takes over.
  app.write(COUNTER_FILE, counterModule('v4'));
  await addUntil(page, clicks, 'v4');

  expect(counter.navigations(), 'navigations of the counter page after it opened').toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __coldMarker?: string }).__coldMarker)).toBe('still here');
  await counter.context.close();
}
