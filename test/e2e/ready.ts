import { expect, type Page } from '@playwright/test';

/**
 * Opens `path` and waits until the page is hydrated and its socket is open (the nav shows the
 * connection state), so no interaction races hydration on a cold dev server.
 */
export async function openPage(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.getByTestId('connection')).toHaveText('open');
}
