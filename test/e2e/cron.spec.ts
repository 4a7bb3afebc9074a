import { expect, test } from '@playwright/test';

test('a cron-driven page updating on its own', async ({ page }) => {
  await page.goto('/dashboard');
  await expect(page.getByTestId('connection')).toHaveText('open');
  const uptime = page.getByTestId('uptime');
  await expect(uptime).toHaveText(/^\d+$/);
  const first = Number(await uptime.textContent());
  // No click, no reload: the server's cron job pushes a new value every second.
  await expect.poll(async () => Number(await uptime.textContent()), { timeout: 10_000 }).toBeGreaterThan(first);
  const shown = await page.getByTestId('server-time').textContent();
  await expect(page.getByTestId('server-time')).not.toHaveText(shown ?? '');
});

test('the dashboard derived stream and aggregate follow the chat', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  const dashboard = await context.newPage();
  const chat = await context.newPage();
  await dashboard.goto('/dashboard');
  await chat.goto('/');
  await expect(dashboard.getByTestId('connection')).toHaveText('open');
  await expect(chat.getByTestId('connection')).toHaveText('open');
  await expect(dashboard.getByTestId('posted')).toHaveText(/^\d+$/);
  await expect(dashboard.getByTestId('summary-messages')).toHaveText(/^\d+$/);
  const posted = Number(await dashboard.getByTestId('posted').textContent());
  const messages = Number(await dashboard.getByTestId('summary-messages').textContent());

  const text = `dashboard check ${Math.random().toString(36).slice(2, 8)}`;
  await chat.getByLabel('Message').fill(text);
  await chat.getByRole('button', { name: 'Send' }).click();
  await expect(chat.getByTestId('messages').getByText(text)).toBeVisible();

  await expect.poll(async () => Number(await dashboard.getByTestId('posted').textContent())).toBeGreaterThan(posted);
  await expect.poll(async () => Number(await dashboard.getByTestId('summary-messages').textContent())).toBeGreaterThan(messages);
  await expect(dashboard.getByTestId('activity')).toContainText('posted in the chat');
  await context.close();
});
