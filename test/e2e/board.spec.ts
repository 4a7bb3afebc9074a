/**
 * The collaborative board across two browsers: notes dragged by one move on the other's board
 * while they are dragged and stay where they are dropped; undo and redo (buttons, Ctrl+Z and the
 * arrow keys) reach both; presence shows names and colours; a nudge reaches one member's tab.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';

const unique = (what: string) => `${what}-${Math.random().toString(36).slice(2, 8)}`;
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/board-${name}.png` });

/** Two guests in their own browser contexts on one board, both connected and present. */
async function twoOnABoard(browser: Browser, baseURL: string | undefined) {
  const room = unique('board');
  const pages: Page[] = [];
  for (let i = 0; i < 2; i++) {
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    await page.goto(`/board?room=${room}`);
    await expect(page.getByTestId('connection')).toHaveText('open');
    pages.push(page);
  }
  for (const page of pages) await expect(page.getByTestId('presence').getByRole('listitem')).toHaveCount(2);
  return { room, a: pages[0], b: pages[1], close: () => Promise.all(pages.map((p) => p.context().close())) };
}

async function addNote(page: Page, text: string) {
  await page.getByLabel('New card').fill(text);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByTestId('note').filter({ hasText: text })).toBeVisible();
}

/** Where a note is drawn, as its `left` and `top` in percent of the board. */
async function placeOf(page: Page, text: string): Promise<{ left: number; top: number }> {
  const style = (await page.getByTestId('note').filter({ hasText: text }).getAttribute('style')) ?? '';
  const read = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)%`).exec(style)?.[1]);
  return { left: read('left'), top: read('top') };
}

test('a dragged note moves on the other board while dragged, stays where dropped, and undo puts it back for both', async ({ browser, baseURL }) => {
  const { a, b, close } = await twoOnABoard(browser, baseURL);
  const text = unique('note');
  await addNote(a, text);
  await expect(b.getByTestId('note').filter({ hasText: text })).toBeVisible();
  const start = await placeOf(a, text);
  expect(await placeOf(b, text)).toEqual(start);

  const note = a.getByTestId('note').filter({ hasText: text });
  const box = (await note.boundingBox())!;
  await a.mouse.move(box.x + 20, box.y + 30);
  await a.mouse.down();
  await a.mouse.move(box.x + 120, box.y + 90, { steps: 8 });
  // Mid-drag: the other board shows the note lifted where the dragging cursor holds it.
  const onB = b.getByTestId('note').filter({ hasText: text });
  await expect(onB).toHaveClass(/lifted/);
  await expect.poll(async () => (await placeOf(b, text)).left).toBeGreaterThan(start.left);
  await shot(b, 'dragging');
  await a.mouse.up();

  await expect(onB).not.toHaveClass(/lifted/);
  const dropped = await placeOf(a, text);
  expect(dropped.left).toBeGreaterThan(start.left);
  expect(dropped.top).toBeGreaterThan(start.top);
  await expect.poll(() => placeOf(b, text)).toEqual(dropped);

  // Undo with the keyboard (focus is on the note, not in a text field), then redo with the button.
  await a.keyboard.press('Control+z');
  await expect.poll(() => placeOf(b, text)).toEqual(start);
  await expect.poll(() => placeOf(a, text)).toEqual(start);
  await a.getByRole('button', { name: 'Redo' }).click();
  await expect.poll(() => placeOf(b, text)).toEqual(dropped);
  await close();
});

test('arrow keys move a focused note as undoable steps; a deleted note comes back with undo', async ({ browser, baseURL }) => {
  const { a, b, close } = await twoOnABoard(browser, baseURL);
  const text = unique('keys');
  await addNote(a, text);
  const start = await placeOf(a, text);
  const note = a.getByTestId('note').filter({ hasText: text });
  await note.focus();
  await a.keyboard.press('ArrowRight');
  await a.keyboard.press('ArrowDown');
  await expect.poll(() => placeOf(b, text)).toEqual({ left: start.left + 2, top: start.top + 2 });

  await a.keyboard.press('Delete');
  await expect(b.getByTestId('note').filter({ hasText: text })).toHaveCount(0);
  await a.getByRole('button', { name: 'Undo' }).click();
  await expect(b.getByTestId('note').filter({ hasText: text })).toBeVisible();
  expect(await placeOf(b, text)).toEqual({ left: start.left + 2, top: start.top + 2 });
  await a.getByRole('button', { name: 'Undo' }).click();
  await a.getByRole('button', { name: 'Undo' }).click();
  await expect.poll(() => placeOf(b, text)).toEqual(start);
  await expect(a.getByRole('button', { name: 'Undo' })).toBeDisabled();
  await close();
});

test('presence names and colours, cursors named after their member, and a nudge that reaches one tab', async ({ browser, baseURL }) => {
  const { a, b, close } = await twoOnABoard(browser, baseURL);
  const here = a.getByTestId('presence').getByRole('listitem');
  await expect(here.filter({ hasText: '(you)' })).toHaveCount(1);
  // Every member wears a colour (picked from their id: two may share one).
  const dots = await here.locator('.dot').evaluateAll((els) => els.map((el) => (el as HTMLElement).style.background));
  expect(dots).toHaveLength(2);
  for (const dot of dots) expect(dot).toMatch(/^rgb/);

  const area = b.getByTestId('cursor-area');
  const box = (await area.boundingBox())!;
  await b.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await b.mouse.move(box.x + box.width / 3, box.y + box.height / 3);
  const other = (await here.filter({ hasNotText: '(you)' }).textContent())!.replace('nudge', '').trim();
  await expect(a.locator('.cursor')).toHaveText(`▲ ${other}`);
  // The cursor wears its member's colour.
  const colourOf = await here.filter({ hasNotText: '(you)' }).locator('.dot').evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await a.locator('.cursor').evaluate((el) => getComputedStyle(el).color)).toBe(colourOf);
  await shot(a, 'presence-and-cursor');

  await a.getByRole('button', { name: `Nudge ${other}` }).click();
  await expect(b.getByTestId('nudged')).toContainText('nudged you');
  await expect(a.getByTestId('nudged')).toHaveCount(0);
  await close();
});

test('the boards list watches who is on each board without being counted there', async ({ browser, baseURL }) => {
  const [one, two] = [unique('watched'), unique('watched')];
  const lobby = await browser.newContext({ baseURL });
  const list = await lobby.newPage();
  await list.goto(`/boards?boards=${one},${two}`);
  await expect(list.getByTestId('connection')).toHaveText('open');
  const card = (id: string) => list.getByTestId('board-card').filter({ hasText: `#${id}` });
  await expect(card(one).getByTestId('here')).toHaveText('0 here');

  const visitor = await browser.newContext({ baseURL });
  const onBoard = await visitor.newPage();
  await onBoard.goto(`/board?room=${one}`);
  await expect(card(one).getByTestId('here')).toHaveText('1 here');
  await expect(card(two).getByTestId('here')).toHaveText('0 here');
  // The visitor sees only themselves: the list watching the board is not a member.
  await expect(onBoard.getByTestId('presence').getByRole('listitem')).toHaveCount(1);
  await shot(list, 'boards');

  await visitor.close();
  await expect(card(one).getByTestId('here')).toHaveText('0 here');
  await lobby.close();
});

test('tidy moves every note to its grid place on both boards at once, and the activity ticker shows it on top', async ({ browser, baseURL }) => {
  const { a, b, close } = await twoOnABoard(browser, baseURL);
  const texts = [unique('t1'), unique('t2'), unique('t3')];
  for (const text of texts) await addNote(a, text);
  const ticker = b.getByTestId('activity').getByRole('listitem');
  await expect(ticker.first()).toContainText(`added “${texts[2]}”`);

  // Every note's place as B's board draws it, after each DOM change: tidy lands in one update.
  const lefts = () => b.getByTestId('note').evaluateAll((els) => els.map((el) => (el as HTMLElement).style.left));
  const before = await lefts();
  await b.evaluate(() => {
    const seen: string[][] = [];
    (window as unknown as { seen: string[][] }).seen = seen;
    const list = document.querySelector('[data-testid="cards"]')!;
    const read = () => seen.push([...list.querySelectorAll('li')].map((li) => (li as HTMLElement).style.left));
    new MutationObserver(read).observe(list, { subtree: true, attributes: true, attributeFilter: ['style'] });
  });
  await a.getByRole('button', { name: 'Tidy up' }).click();
  await expect(ticker.first()).toContainText('tidied 3 notes');
  const grid = [2, 21, 40].map((left) => `${left}%`);
  await expect.poll(lefts).toEqual(grid);
  // No DOM change ever showed some notes tidied and the others not.
  const seen = await b.evaluate(() => (window as unknown as { seen: string[][] }).seen);
  expect(seen.length).toBeGreaterThan(0);
  for (const frame of seen) expect([before, grid]).toContainEqual(frame);
  await shot(b, 'tidied');
  await close();
});

test('a signed-in user is one member in two tabs, draws no cursor of their own, and a nudge reaches both tabs', async ({ browser, baseURL }) => {
  const room = unique('signed');
  const name = unique('ada');
  const ada = await browser.newContext({ baseURL });
  const login = await ada.newPage();
  await login.goto('/admin');
  await login.getByLabel('Name').fill(name);
  await login.getByRole('button', { name: 'Log in' }).click();
  await expect(login.getByTestId('me')).toHaveText(name);
  await login.close();
  const [one, two] = [await ada.newPage(), await ada.newPage()];
  for (const tab of [one, two]) await tab.goto(`/board?room=${room}`);

  const guest = await browser.newContext({ baseURL });
  const g = await guest.newPage();
  await g.goto(`/board?room=${room}`);
  await expect(g.getByTestId('presence').getByRole('listitem')).toHaveCount(2);
  await expect(one.getByTestId('presence').getByRole('listitem').filter({ hasText: `${name} (you)` })).toHaveCount(1);

  // Ada moves in one tab: her other tab does not draw her cursor, the guest does, by her name.
  const box = (await one.getByTestId('cursor-area').boundingBox())!;
  await one.mouse.move(box.x + 40, box.y + 40);
  await one.mouse.move(box.x + 60, box.y + 50);
  await expect(g.locator('.cursor')).toHaveText(`▲ ${name}`);
  await expect(two.locator('.cursor')).toHaveCount(0);

  await g.getByRole('button', { name: `Nudge ${name}` }).click();
  for (const tab of [one, two]) await expect(tab.getByTestId('nudged')).toContainText('nudged you');
  await ada.close();
  await guest.close();
});

test("a note's text typed in one browser grows in the other as it is typed", async ({ browser, baseURL }) => {
  const { a, b, close } = await twoOnABoard(browser, baseURL);
  const text = unique('draft');
  await addNote(a, text);
  await a.getByTestId('note').filter({ hasText: text }).dblclick();
  const field = a.getByLabel('Text of the note');
  await expect(field).toBeFocused();
  await field.press('End');
  await field.pressSequentially(' and more', { delay: 30 });
  await expect(b.getByTestId('note').filter({ hasText: `${text} and more` })).toBeVisible();
  await field.press('Enter');
  await expect(a.getByTestId('note').filter({ hasText: `${text} and more` })).toBeFocused();
  await close();
});

test('one budget per user over every call of the app: past it calls are refused, while cursor moves go on', async ({ browser, baseURL }) => {
  const { a, b, close } = await twoOnABoard(browser, baseURL);
  // hooks.ws.ts allows 300 calls per 10 s per user; reactions are calls, cursor moves are exempt.
  // Clicked in bursts of 10 (a connection may have 64 calls in flight at once).
  await a.getByRole('button', { name: 'React 👍' }).evaluate(async (button: HTMLButtonElement) => {
    for (let round = 0; round < 31; round++) {
      for (let i = 0; i < 10; i++) button.click();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  await expect(a.getByRole('alert')).toContainText('Too many calls: at most 300 per 10000 ms');
  const box = (await a.getByTestId('cursor-area').boundingBox())!;
  await a.mouse.move(box.x + 30, box.y + 30);
  await a.mouse.move(box.x + 90, box.y + 70);
  await expect(b.locator('.cursor')).toHaveCount(1);
  await close();
});
