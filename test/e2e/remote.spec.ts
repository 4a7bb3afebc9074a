import { expect, test } from '@playwright/test';

/**
 * SvelteKit remote functions beside $live (example-app/src/routes/remote): a form and a command
 * that publish() reach every $live store, and a query.live fed by streamValues() follows the
 * same live stream over HTTP.
 */
const unique = (label: string) => `${label} ${Math.random().toString(36).slice(2, 8)}`;

test('a remote form and command reach $live stores and the query.live', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  const remote = await context.newPage();
  const chat = await context.newPage();
  await remote.goto('/remote');
  await chat.goto('/');
  await expect(remote.getByTestId('remote-form')).toHaveAttribute('data-hydrated', 'true');
  await expect(chat.getByTestId('connection')).toHaveText('open');

  const viaForm = unique('posted with a form');
  await remote.getByLabel('Message for the form').fill(viaForm);
  await remote.getByRole('button', { name: 'Post with a form' }).click();
  await expect(chat.getByTestId('messages').getByText(viaForm)).toBeVisible();
  await expect(remote.getByTestId('live-store').getByText(viaForm)).toBeVisible();
  await expect(remote.getByTestId('query-live').getByText(viaForm)).toBeVisible();

  const viaCommand = unique('posted with a command');
  await remote.getByLabel('Message for the command').fill(viaCommand);
  await remote.getByRole('button', { name: 'Post with a command' }).click();
  await expect(chat.getByTestId('messages').getByText(viaCommand)).toBeVisible();
  await expect(remote.getByTestId('live-store').getByText(viaCommand)).toBeVisible();
  await expect(remote.getByTestId('query-live').getByText(viaCommand)).toBeVisible();
  await context.close();
});

test('a message sent over the socket reaches the query.live', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  const remote = await context.newPage();
  const chat = await context.newPage();
  await remote.goto('/remote');
  await chat.goto('/');
  await expect(remote.getByTestId('remote-form')).toHaveAttribute('data-hydrated', 'true');
  await expect(chat.getByTestId('connection')).toHaveText('open');

  const text = unique('sent over the socket');
  await chat.getByLabel('Message').fill(text);
  await chat.getByRole('button', { name: 'Send' }).click();
  await expect(remote.getByTestId('query-live').getByText(text)).toBeVisible();
  await context.close();
});

test("the remote form shows its schema's issue and publishes nothing", async ({ page }) => {
  await page.goto('/remote');
  await expect(page.getByTestId('remote-form')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Message for the form').fill('   ');
  await page.getByRole('button', { name: 'Post with a form' }).click();
  await expect(page.getByText('Message is empty')).toBeVisible();
});
