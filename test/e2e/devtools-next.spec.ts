/**
 * The DevTools' newer views on example-app in `vite dev`: time travel over a stream, every
 * connection at a glance, network conditions for this page, copy as test and session files,
 * what used to be shown wrong (compare, failed replays, internal traffic, keyboard, badges,
 * Clear), a launcher out of the app's way, and the panel's accessibility at full size and in a
 * 400×800 window. Each new view is saved as test-results/devtools-<view>.png.
 */
import fs from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test';

const isDev = (info: TestInfo) => info.project.metadata.mode === 'dev';
const launcherButton = (page: Page) => page.getByRole('button', { name: 'svelte-realtime DevTools' });
const panel = (page: Page) => page.getByRole('dialog', { name: 'svelte-realtime DevTools' });

async function ready(page: Page, url = '/inspect') {
  await page.goto(url);
  await expect(page.getByTestId('connection')).toHaveText('open', { timeout: 15_000 });
  await expect(launcherButton(page)).toBeVisible();
}

async function openTab(page: Page, name: string): Promise<Locator> {
  const dialog = panel(page);
  if (!(await dialog.isVisible())) await launcherButton(page).click();
  await dialog.getByRole('tab', { name }).click();
  await expect(dialog.getByRole('tab', { name })).toHaveAttribute('aria-selected', 'true');
  return dialog;
}

async function echo(page: Page, label: string) {
  await page.getByLabel('Label').fill(label);
  await page.getByRole('button', { name: 'Echo' }).click();
  await expect(page.getByTestId('echoes')).toContainText(label);
}

const shot = (page: Page, view: string) => page.screenshot({ path: `test-results/devtools-${view}.png` });

test.describe('DevTools, newer views (vite dev)', () => {
  test.beforeEach(async ({ page }, info) => {
    test.skip(!isDev(info), 'the overlay exists in vite dev only');
    // Each test starts from the default layout (the layout is remembered per project).
    await page.addInitScript(() => {
      if (!sessionStorage.getItem('srt-test-started')) {
        sessionStorage.setItem('srt-test-started', '1');
        for (const key of Object.keys(localStorage)) if (key.startsWith('svelte-realtime:devtools')) localStorage.removeItem(key);
      }
    });
  });

  test('time travel: scrub a topic, rewind this page, resume with nothing lost', async ({ page }) => {
    await ready(page);
    const stamp = Date.now().toString(36);
    for (const n of [1, 2, 3]) await echo(page, `tt-${stamp}-${n}`);
    const dialog = await openTab(page, 'Streams & topics');
    await dialog.getByTestId('topic-row').filter({ hasText: 'inspect' }).first().click();
    const travel = dialog.getByTestId('time-travel');
    await expect(travel).toBeVisible();
    const slider = travel.getByRole('slider', { name: 'Position' });
    await slider.focus();
    await page.keyboard.press('Home');
    await expect(travel.getByTestId('step')).toContainText('snapshot');
    await slider.press('ArrowRight');
    await expect(travel.getByTestId('step')).toContainText('echoed');

    await travel.getByRole('button', { name: 'Rewind this page' }).click();
    await expect(travel.getByTestId('rewound')).toBeVisible();
    await expect(page.getByTestId('paused-bar')).toContainText('inspect');
    const shown = await page.getByTestId('echoes').locator('li').count();
    await page.getByLabel('Label').fill(`tt-${stamp}-held`);
    await page.getByRole('button', { name: 'Echo' }).click();
    await expect(travel.getByTestId('rewound')).toContainText('1 held');
    await expect(page.getByTestId('echoes')).not.toContainText(`tt-${stamp}-held`);
    expect(await page.getByTestId('echoes').locator('li').count()).toBe(shown);
    await shot(page, 'time-travel');

    // A rewound page is behind its topic's head, and Connections says so for this page.
    await openTab(page, 'Connections');
    const mine = dialog.getByTestId('server-connection').filter({ hasText: 'this page' });
    await expect(mine.getByTestId('subscription-position').filter({ hasText: 'inspect' })).toContainText('−', { timeout: 10_000 });
    await openTab(page, 'Streams & topics');
    await dialog.getByTestId('topic-row').filter({ hasText: 'inspect' }).first().click();

    await travel.getByRole('button', { name: 'Resume' }).click();
    await expect(page.getByTestId('echoes')).toContainText(`tt-${stamp}-held`);
    await expect(page.getByTestId('echoes')).toContainText(`tt-${stamp}-3`);
    await expect(page.getByTestId('paused-bar')).toBeHidden();
  });

  test('connections: every client with its details; one selected filters the RPC list', async ({ page, browser }) => {
    await ready(page);
    const other = await browser.newPage();
    await ready(other, '/inspect');
    await echo(other, 'from-the-other-tab');
    await echo(page, 'from-this-tab');
    const dialog = await openTab(page, 'Connections');
    const rows = dialog.getByTestId('server-connection');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await dialog.getByLabel('Filter connections').fill('c');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    const notMine = rows.filter({ hasNotText: 'this page' }).first();
    await notMine.getByRole('button').first().click();
    const detail = dialog.getByTestId('connection-detail');
    await expect(detail).toBeVisible();
    await expect(detail).toContainText('Calls in flight');
    await shot(page, 'connections');
    await detail.getByRole('button', { name: 'Show its calls' }).click();
    await expect(dialog.getByRole('tab', { name: 'RPC' })).toHaveAttribute('aria-selected', 'true');
    await expect(dialog.getByTestId('connection-filter')).toBeVisible();
    await expect(dialog.getByTestId('rpc-row').filter({ hasText: 'page' })).toHaveCount(0);

    // The same connection's topics: Streams lists only what it follows, until the filter is cleared.
    await dialog.getByRole('tab', { name: 'Connections' }).click();
    await rows.filter({ hasNotText: 'this page' }).filter({ hasText: 'inspect' }).first().getByRole('button').first().click();
    await dialog.getByTestId('connection-detail').getByRole('button', { name: 'Show its topics' }).click();
    await expect(dialog.getByRole('tab', { name: 'Streams & topics' })).toHaveAttribute('aria-selected', 'true');
    await expect(dialog.getByTestId('connection-filter')).toBeVisible();
    await expect(dialog.getByTestId('topic-row').filter({ hasText: 'inspect' }).first()).toBeVisible();
    const followed = await dialog.getByTestId('topic-row').count();
    await dialog.getByRole('button', { name: "Show every connection's topics" }).click();
    await expect(dialog.getByTestId('connection-filter')).toBeHidden();
    await expect.poll(() => dialog.getByTestId('topic-row').count()).toBeGreaterThanOrEqual(followed);
    await other.close();
  });

  test('network conditions: offline, back online, and a dropped socket recover on their own', async ({ page }) => {
    await ready(page);
    const dialog = await openTab(page, 'Connections');
    const network = dialog.getByTestId('network-conditions');
    await network.getByRole('checkbox', { name: 'Offline' }).check();
    await expect(page.getByTestId('connection')).toHaveText('reconnecting', { timeout: 10_000 });
    await shot(page, 'network-offline');
    await network.getByRole('checkbox', { name: 'Offline' }).uncheck();
    // The next attempt comes after the runtime's backoff, which grew while offline.
    await expect(page.getByTestId('connection')).toHaveText('open', { timeout: 45_000 });
    await echo(page, 'after-offline');

    const reconnects = dialog.getByTestId('this-page');
    const before = await reconnects.textContent();
    await network.getByRole('button', { name: 'Drop the socket once' }).click();
    await expect(reconnects).not.toHaveText(before ?? '', { timeout: 30_000 });
    await expect(page.getByTestId('connection')).toHaveText('open', { timeout: 30_000 });

    await network.getByRole('combobox', { name: 'Added latency' }).selectOption('300');
    await echo(page, 'slow-echo');
    await network.getByRole('combobox', { name: 'Added latency' }).selectOption('0');
  });

  test('copy as test, export a session and load it back', async ({ page }) => {
    await ready(page);
    const label = `copy-${Date.now().toString(36)}`;
    await echo(page, label);
    const dialog = await openTab(page, 'RPC');
    await dialog.getByLabel('Filter calls').fill(label);
    await dialog.getByTestId('rpc-row').filter({ hasText: 'echo' }).first().click();
    await dialog.getByRole('button', { name: 'Copy as test' }).click();
    const source = dialog.getByRole('textbox', { name: 'Test source' });
    await expect(source).toHaveValue(/createTestServer/);
    await expect(source).toHaveValue(/client\.live\(inspect\)\.echo\(/);
    await expect(source).toHaveValue(new RegExp(label));
    await shot(page, 'copy-as-test');

    const download = page.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Export' }).click();
    const file = await (await download).path();
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ format: 'svelte-realtime-devtools-session', version: 1 });
    await dialog.getByRole('button', { name: 'Clear' }).click();
    await expect(dialog.getByTestId('rpc-row')).toHaveCount(0);
    await dialog.getByLabel('Session file to import').setInputFiles(file);
    await expect(dialog.getByTestId('session-status')).toContainText('Showing');
    await expect(dialog.getByTestId('rpc-row').filter({ hasText: 'echo' }).first()).toBeVisible();
    await shot(page, 'session-imported');
    await dialog.getByLabel('Session file to import').setInputFiles({ name: 'nope.json', mimeType: 'application/json', buffer: Buffer.from('{"calls":[]}') });
    await expect(dialog.getByTestId('session-status')).toContainText('NOT_A_SESSION');
  });

  test('what was shown wrong: compare stays in the panel, a failed replay shows its error, keyboard, badges and Clear', async ({ page }) => {
    await ready(page);
    await echo(page, 'compare-me');
    await page.getByRole('button', { name: 'Fail' }).click();
    await expect(page.getByRole('alert')).toHaveText('This call always fails, to show an error');
    await expect(page.getByTestId('launcher-badge')).toHaveText('1', { timeout: 5000 });

    // Badges reset once the calls are seen.
    const dialog = await openTab(page, 'RPC');
    await page.getByRole('heading', { name: 'Inspect' }).click();
    await page.keyboard.press('Escape'); // focus is in the app, not the panel: the app keeps its Escape
    await expect(dialog).toBeVisible();
    await expect(page.getByTestId('launcher-badge')).toBeHidden();

    // A failed call replayed shows the error again, not a message as a value.
    await dialog.getByRole('button', { name: 'Errors' }).click();
    await dialog.getByTestId('rpc-row').filter({ hasText: 'fail' }).first().click();
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await expect(dialog.getByTestId('replay-error')).toContainText('NOPE');
    await expect(dialog.getByTestId('replay-result')).toHaveCount(0);
    await shot(page, 'replay-error');

    // Compare with server: both sides inside the panel.
    await dialog.getByRole('tab', { name: 'Streams & topics' }).click();
    await dialog.getByTestId('topic-row').filter({ hasText: 'inspect' }).first().click();
    await dialog.getByRole('button', { name: 'Compare with server' }).first().click();
    const store = dialog.getByTestId('page-store').first();
    await expect(store).toContainText(/same|differs/);
    const server = store.getByRole('heading', { name: /Server/ });
    const [box, panelBox] = [await server.boundingBox(), await dialog.boundingBox()];
    expect(box!.x + box!.width).toBeLessThanOrEqual(panelBox!.x + panelBox!.width);
    await shot(page, 'compare');
    await expect(dialog.getByTestId('topic-row').filter({ hasText: 'inspect' }).first().locator('[title]').first()).toHaveAttribute('title', /inspect/);

    // Arrow keys move between tabs; Escape inside the panel closes it.
    await dialog.getByRole('tab', { name: 'Streams & topics' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(dialog.getByRole('tab', { name: 'Causal trace' })).toBeFocused();
    await expect(dialog.getByRole('tab', { name: 'Causal trace' })).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('End');
    await expect(dialog.getByRole('tab', { name: 'Connections' })).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('Home');
    await expect(dialog.getByRole('tab', { name: 'RPC' })).toHaveAttribute('aria-selected', 'true');
    await dialog.getByRole('button', { name: 'Clear' }).click();
    await expect(dialog.getByTestId('rpc-row')).toHaveCount(0);
    await dialog.getByRole('tab', { name: 'RPC' }).focus();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(launcherButton(page)).toBeFocused();
  });

  test("internal traffic: a room's cursor moves are hidden from the RPC list unless asked for", async ({ page }) => {
    await ready(page, '/board');
    const area = page.getByTestId('cursor-area');
    const box = (await area.boundingBox())!;
    for (let i = 0; i < 10; i++) await page.mouse.move(box.x + 10 + i * 8, box.y + 10 + i * 4);
    const dialog = await openTab(page, 'RPC');
    const internal = dialog.getByRole('checkbox', { name: /Internal/ });
    await expect(internal).toBeVisible();
    await expect(dialog.getByTestId('rpc-row').filter({ hasText: 'internal' })).toHaveCount(0);
    await internal.check();
    await expect(dialog.getByTestId('rpc-row').filter({ hasText: 'internal' }).first()).toBeVisible({ timeout: 10_000 });
    await shot(page, 'internal-traffic');
  });

  test('the launcher: dragged to another edge and remembered, hidden with the shortcut still working', async ({ page }) => {
    await ready(page);
    const launcher = launcherButton(page);
    const start = (await launcher.boundingBox())!;
    await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2);
    await page.mouse.down();
    await page.mouse.move(20, 300, { steps: 8 });
    await page.mouse.up();
    await expect(panel(page)).toBeHidden(); // a drag is not a click
    const moved = (await launcher.boundingBox())!;
    expect(moved.x).toBeLessThan(60);
    await page.reload();
    await expect(launcher).toBeVisible();
    expect((await launcher.boundingBox())!.x).toBeLessThan(60);
    await shot(page, 'launcher-left-edge');

    await launcher.click();
    await panel(page).getByRole('button', { name: 'Hide launcher' }).click();
    await expect(launcher).toBeHidden();
    await page.keyboard.press('Control+Shift+KeyL');
    await expect(panel(page)).toBeHidden();
    await page.keyboard.press('Control+Shift+KeyL');
    await expect(panel(page)).toBeVisible();
    await panel(page).getByRole('button', { name: 'Show launcher' }).click();
    await expect(launcher).toBeVisible();
  });

  test('loads as one bundled module, not one request per source file', async ({ page }) => {
    const overlayRequests: string[] = [];
    page.on('request', (request) => {
      const url = request.url();
      if (url.includes('svelte-realtime') && url.includes('devtools')) overlayRequests.push(url);
    });
    await ready(page);
    await launcherButton(page).click();
    await expect(panel(page)).toBeVisible();
    // The overlay's entry and its bundle (the wire and each panel used to be a request each).
    expect(overlayRequests.filter((url) => !url.includes('devtools-ui/')), overlayRequests.join('\n')).toHaveLength(2);
    expect(overlayRequests.filter((url) => url.includes('devtools-ui/'))).toEqual([]);
  });

  test('accessible: no axe violations in the open panel, keyboard reachable, usable at 400×800', async ({ page }) => {
    await ready(page);
    await echo(page, 'a11y');
    const dialog = await openTab(page, 'RPC');
    await dialog.getByTestId('rpc-row').first().click();
    for (const tab of ['RPC', 'Streams & topics', 'Connections']) {
      await dialog.getByRole('tab', { name: tab }).click();
      const results = await new AxeBuilder({ page })
        .include('svelte-realtime-devtools')
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      expect(results.violations.map((v) => `${tab}: ${v.id} (${v.nodes.length})`)).toEqual([]);
    }

    await page.setViewportSize({ width: 400, height: 800 });
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(400);
    await dialog.getByRole('tab', { name: 'Streams & topics' }).click();
    await expect(dialog.getByTestId('topic-row').first()).toBeVisible();
    const row = (await dialog.getByTestId('topic-row').first().boundingBox())!;
    expect(row.width).toBeGreaterThan(200);
    await shot(page, 'narrow-streams');
    await dialog.getByRole('tab', { name: 'Streams & topics' }).focus();
    await page.keyboard.press('End');
    await expect(dialog.getByRole('tab', { name: 'Connections' })).toBeInViewport();
    await shot(page, 'narrow-connections');
  });
});
