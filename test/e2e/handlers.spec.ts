import { expect, test } from '@playwright/test';

const unique = (what: string) => `${what} ${Math.random().toString(36).slice(2, 8)}`;

test('room presence across two browsers: join, and leave when the tab closes', async ({ browser, baseURL }) => {
  const room = unique('e2e').replace(' ', '-');
  const alice = await browser.newContext({ baseURL });
  const bob = await browser.newContext({ baseURL });
  const a = await alice.newPage();
  await a.goto(`/board?room=${room}`);
  await expect(a.getByTestId('connection')).toHaveText('open');
  const here = a.getByTestId('presence').getByRole('listitem');
  await expect(here).toHaveCount(1);
  await expect(here).toHaveText([/\(you\)/]);

  const b = await bob.newPage();
  await b.goto(`/board?room=${room}`);
  await expect(b.getByTestId('connection')).toHaveText('open');
  await expect(here).toHaveCount(2);
  await expect(b.getByTestId('presence').getByRole('listitem')).toHaveCount(2);

  // Bob's cursor shows on Alice's board.
  const area = b.getByTestId('cursor-area');
  const box = (await area.boundingBox())!;
  await b.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await b.mouse.move(box.x + box.width / 3, box.y + box.height / 3);
  await expect(a.locator('.cursor')).toHaveCount(1);

  // A card added by one is on the other's board.
  const card = unique('card');
  await b.getByLabel('New card').fill(card);
  await b.getByRole('button', { name: 'Add' }).click();
  await expect(a.getByTestId('cards').getByText(card)).toBeVisible();

  // A reaction goes through a channel: nothing stored, seen by whoever is there.
  await a.getByRole('button', { name: 'React 🎉' }).click();
  await expect(b.getByTestId('reactions')).toHaveText('🎉');

  await b.close();
  await expect(here).toHaveCount(1);
  await expect(a.locator('.cursor')).toHaveCount(0);
  await alice.close();
  await bob.close();
});

test('an optimistic rename shows at once and is rolled back when the server refuses it', async ({ page }) => {
  await page.goto('/todos');
  await expect(page.getByTestId('connection')).toHaveText('open');
  const title = unique('water plants');
  await page.getByLabel('New todo').fill(title);
  await page.getByRole('button', { name: 'Add' }).click();
  const item = page.getByTestId('todos').locator('li', { hasText: title });
  await expect(item).toBeVisible();

  // Record every title the list shows, to see the optimistic one come and go.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    const list = document.querySelector('[data-testid="todos"]')!;
    new MutationObserver(() => list.querySelectorAll('.title').forEach((t) => seen.push(t.textContent ?? ''))).observe(list, {
      subtree: true,
      characterData: true,
      childList: true
    });
  });
  const loud = `${title}!`;
  page.once('dialog', (dialog) => dialog.accept(loud));
  await item.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByRole('alert')).toHaveText('Titles may not contain "!"');
  await expect(item.locator('.title')).toHaveText(title);
  expect(await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).toContain(loud);

  // A title the server accepts stays.
  const calm = unique('water the plants');
  page.once('dialog', (dialog) => dialog.accept(calm));
  await item.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByTestId('todos').locator('li', { hasText: calm })).toBeVisible();
});

test('the todos page is rendered on the server with its data, and the hydrated store stays live', async ({ page, browser, baseURL, request }) => {
  await page.goto('/todos');
  await expect(page.getByTestId('connection')).toHaveText('open');
  const title = unique('rendered on the server');
  await page.getByLabel('New todo').fill(title);
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByTestId('todos').getByText(title)).toBeVisible();

  const html = await (await request.get('/todos')).text();
  expect(html).toMatch(new RegExp(`<span class="title[^"]*">${title}</span>`));

  // Without JavaScript the list is there all the same.
  const noScript = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const plain = await noScript.newPage();
  await plain.goto('/todos');
  await expect(plain.getByTestId('todos').getByText(title)).toBeVisible();
  await noScript.close();

  // With JavaScript, the hydrated store resumes: a change made elsewhere still arrives.
  const fresh = await browser.newPage({ baseURL });
  await fresh.goto('/todos');
  await expect(fresh.getByTestId('todos').getByText(title)).toBeVisible();
  await expect(fresh.getByTestId('connection')).toHaveText('open');
  await page.getByTestId('todos').locator('li', { hasText: title }).getByRole('checkbox').check();
  await expect(fresh.getByTestId('todos').locator('li', { hasText: title })).toHaveClass(/done/);
  await fresh.close();
});

test('a validated, rate-limited action shows its refusals', async ({ page }) => {
  await page.goto('/todos');
  await expect(page.getByTestId('connection')).toHaveText('open');
  await page.getByLabel('New todo').fill('   ');
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('alert')).toHaveText('Invalid input: A todo needs a title');
});

test('a file travels as a binary frame; one over the size limit is refused', async ({ page }) => {
  const room = unique('files').replace(' ', '-');
  await page.goto(`/board?room=${room}`);
  await expect(page.getByTestId('connection')).toHaveText('open');
  await page.getByLabel('Share a file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello, binary') });
  await expect(page.getByTestId('cards')).toContainText('📎 notes.txt (13 bytes, sha256 ');
  await page.getByLabel('Share a file').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(300 * 1024) });
  await expect(page.getByRole('alert')).toHaveText(/^Payload of 307200 bytes is larger than the 262144 bytes board\/inspectFile accepts$/);
  await expect(page.getByTestId('connection')).toHaveText('open');
});
