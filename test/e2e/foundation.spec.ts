import { expect, test } from '@playwright/test';
import { openPage } from './ready.js';

const unique = (what: string) => `${what} ${Math.random().toString(36).slice(2, 8)}`;

test('a chat message sent in one browser appears in another', async ({ browser, baseURL }) => {
  const alice = await browser.newContext({ baseURL });
  const bob = await browser.newContext({ baseURL });
  const a = await alice.newPage();
  const b = await bob.newPage();
  await openPage(a, '/');
  await openPage(b, '/');

  const text = unique('hello from alice');
  await a.getByLabel('Message').fill(text);
  await a.getByRole('button', { name: 'Send' }).click();

  await expect(b.getByTestId('messages').getByText(text)).toBeVisible();
  await expect(a.getByTestId('messages').getByText(text)).toHaveCount(1);
  await expect(a.getByLabel('Message')).toHaveValue('');
  await alice.close();
  await bob.close();
});

test('a LiveError reaches the page as a readable message', async ({ page }) => {
  await openPage(page, '/');
  await page.getByLabel('Message').fill('   ');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert')).toHaveText('Message is empty');
});

test('todos: create, update and delete show in every tab', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  const one = await context.newPage();
  const two = await context.newPage();
  await openPage(one, '/todos');
  await openPage(two, '/todos');

  const title = unique('buy milk');
  await one.getByLabel('New todo').fill(title);
  await one.getByRole('button', { name: 'Add' }).click();
  const inTwo = two.getByTestId('todos').locator('li', { hasText: title });
  await expect(inTwo).toBeVisible();

  await inTwo.getByRole('checkbox').check();
  const inOne = one.getByTestId('todos').locator('li', { hasText: title });
  await expect(inOne.getByRole('checkbox')).toBeChecked();
  await expect(inOne).toHaveClass(/done/);

  const renamed = unique('buy oat milk');
  one.once('dialog', (dialog) => dialog.accept(renamed));
  await inOne.getByRole('button', { name: 'Rename' }).click();
  await expect(two.getByTestId('todos').locator('li', { hasText: renamed })).toBeVisible();

  await two.getByTestId('todos').locator('li', { hasText: renamed }).getByRole('button', { name: 'Delete' }).click();
  await expect(one.getByTestId('todos').locator('li', { hasText: renamed })).toHaveCount(0);
  await expect(two.getByTestId('todos').locator('li', { hasText: renamed })).toHaveCount(0);
  await context.close();
});

test('rooms are separate streams: a message in one room stays out of the other', async ({ page }) => {
  await openPage(page, '/rooms');
  const text = unique('in lobby');
  await page.getByLabel('Room message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('room-messages').getByText(text)).toBeVisible();
  await page.getByRole('button', { name: '#random' }).click();
  await expect(page.getByTestId('room-messages').getByText(text)).toHaveCount(0);
  await page.getByRole('button', { name: '#lobby' }).click();
  await expect(page.getByTestId('room-messages').getByText(text)).toBeVisible();
});

test('/admin is refused before login and works after', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await openPage(page, '/admin');
  await expect(page.getByTestId('refused')).toHaveText('UNAUTHORIZED: Log in to see the admin page');
  await expect(page.getByTestId('stream-refused')).toContainText('UNAUTHORIZED');
  await expect(page.getByTestId('stats')).toHaveCount(0);

  const name = unique('ada');
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('me')).toHaveText(name);
  await expect(page.getByTestId('stats')).toBeVisible();
  await expect(page.getByTestId('users')).toContainText(name);
  await expect(page.getByTestId('refused')).toHaveCount(0);

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByTestId('refused')).toHaveText('UNAUTHORIZED: Log in to see the admin page');
  await context.close();
});

test('pages that import $live render on the server with no socket', async ({ request }) => {
  for (const path of ['/', '/todos', '/rooms', '/admin']) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    expect(await response.text()).toContain('<nav');
  }
});
