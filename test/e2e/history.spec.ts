/**
 * Undo and redo on the todos page (history() over the todos store), with two browsers: what
 * one undoes with Ctrl+Z or the button, the other sees; redo puts it back; a delete undone
 * brings the todo back as it was.
 */
import { expect, test } from '@playwright/test';
import { openPage } from './ready.js';

const unique = (what: string) => `${what} ${Math.random().toString(36).slice(2, 8)}`;

test('undo and redo of a rename, a tick and a delete reach the other browser', async ({ browser, baseURL }) => {
  const alice = await (await browser.newContext({ baseURL })).newPage();
  const bob = await (await browser.newContext({ baseURL })).newPage();
  await openPage(alice, '/todos');
  await openPage(bob, '/todos');

  const title = unique('paint the fence');
  await alice.getByLabel('New todo').fill(title);
  await alice.getByRole('button', { name: 'Add' }).click();
  const inAlice = alice.getByTestId('todos').locator('li', { hasText: title });
  const inBob = bob.getByTestId('todos').locator('li', { hasText: title });
  await expect(inBob).toBeVisible();

  // A rename, then Ctrl+Z with the focus outside any text field.
  const renamed = unique('paint the gate');
  alice.once('dialog', (dialog) => dialog.accept(renamed));
  await inAlice.getByRole('button', { name: 'Rename' }).click();
  await expect(bob.getByTestId('todos').locator('li', { hasText: renamed })).toBeVisible();
  await alice.getByRole('heading', { name: 'Todos' }).click();
  await alice.keyboard.press('Control+z');
  await expect(inBob).toBeVisible();
  await expect(bob.getByTestId('todos').locator('li', { hasText: renamed })).toHaveCount(0);
  await alice.keyboard.press('Control+Shift+z');
  await expect(bob.getByTestId('todos').locator('li', { hasText: renamed })).toBeVisible();
  await alice.getByRole('button', { name: 'Undo' }).click();
  await expect(inBob).toBeVisible();

  // A tick, undone with the button.
  await inAlice.getByRole('checkbox').check();
  await expect(inBob.getByRole('checkbox')).toBeChecked();
  await alice.getByRole('button', { name: 'Undo' }).click();
  await expect(inBob.getByRole('checkbox')).not.toBeChecked();

  // A delete, undone: the todo comes back as it was, in both browsers.
  await inAlice.getByRole('button', { name: 'Delete' }).click();
  await expect(inBob).toHaveCount(0);
  await alice.getByRole('button', { name: 'Undo' }).click();
  await expect(inBob).toBeVisible();
  await expect(inAlice).toBeVisible();
  await alice.getByRole('button', { name: 'Redo' }).click();
  await expect(inBob).toHaveCount(0);

  await alice.context().close();
  await bob.context().close();
});

test('Ctrl+Z typed in a text field is the field’s own undo', async ({ page }) => {
  await openPage(page, '/todos');
  const title = unique('water plants');
  await page.getByLabel('New todo').fill(title);
  await page.getByRole('button', { name: 'Add' }).click();
  const item = page.getByTestId('todos').locator('li', { hasText: title });
  await item.getByRole('checkbox').check();
  await page.getByLabel('New todo').fill('half typed');
  await page.getByLabel('New todo').press('Control+z');
  await expect(item.getByRole('checkbox')).toBeChecked();
});
