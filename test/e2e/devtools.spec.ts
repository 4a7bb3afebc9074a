/**
 * The DevTools overlay on example-app: in `vite dev` it opens, shows calls, publishes, cron
 * jobs and server reloads, and keeps its looks whatever the app's CSS says. In the production
 * build (`node build`) neither the overlay nor its channel exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../example-app');
const liveFile = path.join(app, 'src/live/inspect.ts');

const isDev = (info: TestInfo) => info.project.metadata.mode === 'dev';

async function ready(page: Page, url = '/inspect') {
  await page.goto(url);
  await expect(page.getByTestId('connection')).toHaveText('open');
  await expect(page.getByRole('button', { name: 'svelte-realtime DevTools' })).toBeVisible();
}

const panel = (page: Page) => page.getByRole('dialog', { name: 'svelte-realtime DevTools' });

async function openTab(page: Page, name: string): Promise<Locator> {
  const dialog = panel(page);
  if (!(await dialog.isVisible())) await page.getByRole('button', { name: 'svelte-realtime DevTools' }).click();
  await dialog.getByRole('tab', { name }).click();
  await expect(dialog.getByRole('tab', { name })).toHaveAttribute('aria-selected', 'true');
  return dialog;
}

/** A screenshot of the page with the panel, kept in the test's output folder and attached to the report. */
async function attachScreenshot(page: Page, info: TestInfo, name: string) {
  const file = info.outputPath(`devtools-${name}.png`);
  await page.screenshot({ path: file });
  await info.attach(`devtools-${name}`, { path: file, contentType: 'image/png' });
}

test.describe('DevTools in vite dev', () => {
  test.beforeEach(({}, info) => test.skip(!isDev(info), 'the overlay exists in vite dev only'));

  test('opens with the shortcut and with the button, and remembers being open', async ({ page }) => {
    await ready(page);
    await expect(panel(page)).toBeHidden();
    await page.keyboard.press('Control+Shift+KeyL');
    await expect(panel(page)).toBeVisible();
    await page.keyboard.press('Control+Shift+KeyL');
    await expect(panel(page)).toBeHidden();
    await page.getByRole('button', { name: 'svelte-realtime DevTools' }).click();
    await expect(panel(page)).toBeVisible();
    await panel(page).getByRole('tab', { name: 'Connections' }).click();
    await page.reload();
    await expect(panel(page)).toBeVisible();
    await expect(panel(page).getByRole('tab', { name: 'Connections' })).toHaveAttribute('aria-selected', 'true');
    await expect(panel(page).getByTestId('this-page')).toContainText('open');
    await panel(page).getByRole('button', { name: 'Close DevTools' }).click();
    await expect(panel(page)).toBeHidden();
  });

  test('an RPC made by the page shows with its arguments and result, and a failed one as an error', async ({ page }, info) => {
    await ready(page);
    const label = `label-${Math.random().toString(36).slice(2, 8)}`;
    await page.getByLabel('Label').fill(label);
    await page.getByRole('button', { name: 'Echo' }).click();
    await expect(page.getByTestId('echoes')).toContainText(label);
    await page.getByRole('button', { name: 'Fail' }).click();
    await expect(page.getByRole('alert')).toHaveText('This call always fails, to show an error');

    const dialog = await openTab(page, 'RPC');
    await dialog.getByLabel('Filter calls').fill(label);
    const row = dialog.getByTestId('rpc-row').filter({ hasText: 'echo' });
    await expect(row).toHaveCount(1);
    await row.click();
    const detail = dialog.getByTestId('rpc-detail');
    await expect(detail.getByTestId('rpc-args')).toContainText(label);
    await expect(detail.getByTestId('rpc-args')).toContainText('Date');
    const result = detail.getByTestId('rpc-result');
    await expect(result).toContainText(label);
    await expect(result).toContainText('18446744073709551616n');
    await expect(result).toContainText('Set(2)');
    await expect(detail).toContainText('(this page)');
    await attachScreenshot(page, info, 'rpc');

    await dialog.getByLabel('Filter calls').fill('');
    await dialog.getByRole('button', { name: 'Errors' }).click();
    await dialog.getByTestId('rpc-row').filter({ hasText: 'fail' }).first().click();
    await expect(detail.getByTestId('rpc-error')).toContainText('NOPE');
    await expect(detail.getByTestId('rpc-error')).toContainText('This call always fails');
  });

  test('a publish shows its topic and event, and the trace links it to the call and the page', async ({ page }, info) => {
    await ready(page);
    const label = `pub-${Math.random().toString(36).slice(2, 8)}`;
    await page.getByLabel('Label').fill(label);
    await page.getByRole('button', { name: 'Echo' }).click();
    await expect(page.getByTestId('echoes')).toContainText(label);

    const dialog = await openTab(page, 'Streams & topics');
    await dialog.getByTestId('topic-row').filter({ hasText: 'inspect' }).click();
    const event = dialog.getByTestId('topic-event').filter({ hasText: label });
    await expect(event).toContainText('echoed');
    await expect(dialog.getByTestId('page-store').first()).toContainText('inspect/echoes');
    await dialog.getByRole('button', { name: 'Compare with server' }).first().click();
    await expect(dialog.getByTestId('page-store').first()).toContainText(/same|differs/);
    await attachScreenshot(page, info, 'streams');

    await dialog.getByRole('tab', { name: 'RPC' }).click();
    await dialog.getByLabel('Filter calls').fill(label);
    await dialog.getByTestId('rpc-row').first().click();
    await dialog.getByRole('button', { name: /Causal trace/ }).click();
    const publish = dialog.getByTestId('trace-publish');
    await expect(publish).toContainText('inspect');
    await expect(publish).toContainText('echoed');
    await expect(publish).toContainText(/reached \d+ subscriber/);
    await expect(dialog.getByTestId('trace-page-update').first()).toContainText('echoed');
    await attachScreenshot(page, info, 'trace');
  });

  test('the cron panel counts down, and run now runs the job and shows in its history', async ({ page }, info) => {
    await ready(page);
    const dialog = await openTab(page, 'Cron');
    const job = dialog.getByTestId('cron-job').filter({ hasText: 'inspect/heartbeat' });
    await expect(job).toContainText('every 15 seconds');
    const next = job.getByTestId('cron-next');
    await expect(next).toHaveText(/^in \d+ s$/);
    const first = await next.textContent();
    await expect(next).not.toHaveText(first ?? '');
    await job.getByRole('button', { name: 'Run now' }).click();
    await expect(job.getByTestId('cron-runs')).toContainText('run now');
    await attachScreenshot(page, info, 'cron');
  });

  test('editing a live file adds an HMR entry; a syntax error shows as an error with a rollback', async ({ page }, info) => {
    const original = fs.readFileSync(liveFile, 'utf8');
    try {
      await ready(page, '/');
      await openTab(page, 'HMR');
      fs.writeFileSync(liveFile, `${original}\nexport const devtoolsProbe = live(async () => 'probe');\n`);
      const added = panel(page).getByTestId('hmr-entry').filter({ hasText: 'devtoolsProbe' }).first();
      await expect(added).toBeVisible({ timeout: 15_000 });
      await expect(added).toContainText('inspect.ts');

      fs.writeFileSync(liveFile, `${original}\nexport const broken = live(async () => {\n`);
      const failed = panel(page).getByTestId('hmr-entry').filter({ has: page.getByTestId('hmr-rollback') }).first();
      await expect(failed).toBeVisible({ timeout: 15_000 });
      await expect(failed).toContainText('inspect.ts');
      await expect(failed).toContainText('rolled back');
      await attachScreenshot(page, info, 'hmr');
    } finally {
      fs.writeFileSync(liveFile, original);
    }
    // Wait until the restored file is loaded, so later tests see the original module.
    await expect(panel(page).getByTestId('hmr-entry').first()).not.toContainText('rolled back', { timeout: 15_000 });
  });

  test("a hostile app stylesheet does not change the overlay", async ({ page }, info) => {
    await ready(page);
    const dialog = await openTab(page, 'Connections');
    await expect(dialog.getByTestId('server-connection').first()).toBeVisible();
    await attachScreenshot(page, info, 'connections');
    const styles = () =>
      page.evaluate(() => {
        const root = document.querySelector('svelte-realtime-devtools')!.shadowRoot!;
        const pick = (selector: string) => {
          const el = root.querySelector(selector)!;
          const s = getComputedStyle(el);
          return { color: s.color, display: s.display, font: s.font, background: s.backgroundColor, width: s.width, position: s.position };
        };
        return ['.launcher', '.panel', 'header', '.title', '.tabs button', '.table td', '.dot'].map(pick);
      });
    const before = await styles();
    await page.addStyleTag({ content: '* { color: red !important; display: block !important }' });
    // The app's own text did turn red: the stylesheet is in effect.
    await expect(page.locator('h1')).toHaveCSS('color', 'rgb(255, 0, 0)');
    expect(await styles()).toEqual(before);
    await expect(dialog.getByRole('tab', { name: 'RPC' })).toBeVisible();
  });
});

test.describe('DevTools in the production build', () => {
  test.beforeEach(({}, info) => test.skip(isDev(info), 'checked against node build'));

  test('neither the overlay nor its channel exists', async ({ page, request }) => {
    await page.goto('/inspect');
    await expect(page.getByTestId('connection')).toHaveText('open');
    await expect(page.locator('svelte-realtime-devtools')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'svelte-realtime DevTools' })).toHaveCount(0);
    expect(await page.evaluate(() => (globalThis as Record<symbol, unknown>)[Symbol.for('svelte-realtime.tap')] === undefined)).toBe(true);
    for (const url of ['/@id/__x00__svelte-realtime:devtools', '/@vite/client', '/@id/virtual:svelte-realtime/devtools-ui/main.ts']) {
      expect((await request.get(url)).status(), url).toBe(404);
    }
  });
});
