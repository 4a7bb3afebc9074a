/**
 * A crowd of cursors on one board, in the production build: 990 guests each move their cursor
 * 20 times a second (about 20 000 moves a second), sharing it without receiving the others' (plain
 * `ws` clients speaking the wire protocol, as a bot or a phone would). A page opened on that
 * board loads, shows the crowd, stays usable, and receives at most one cursor frame per tick
 * however many move. How fast it gets there is a bench row (bench/suites/cursors.js), not a
 * deadline here.
 */
import { expect, test } from '@playwright/test';
import { WebSocket } from 'ws';
import { decodeFrame, encodeFrame } from '../../runtime/server/frames.js';

/** One address may hold 1 000 sockets (limits.maxConnectionsPerAddress): the page takes one of them. */
const MOVERS = 990;
const MOVES_PER_SECOND = 20;
/** The board room's registry path (`example-app/src/live/board.ts`, export `board`). */
const BOARD = 'board/board';

interface Mover {
  ws: WebSocket;
  calls: number;
}

/** A guest that shares its cursor on `room` (resolved once the share is in place). */
function mover(url: string, room: string): Promise<Mover> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      for (const message of decodeFrame(data.toString()) as { t: string; code?: string; message?: string }[]) {
        if (message.t === 'hello') ws.send(encodeFrame([{ t: 'sub', id: 1, path: BOARD, args: [room, 'share-cursor'] }]));
        else if (message.t === 'snapshot') resolve({ ws, calls: 0 });
        else if (message.t === 'error') reject(new Error(`${message.code}: ${message.message}`));
      }
    });
  });
}

test('990 moving cursors: a newly opened board loads, shows the crowd, stays usable, and gets one cursor frame per tick', async ({ page, baseURL }, info) => {
  test.skip(info.project.name !== 'prod', 'a crowd is a production load');
  test.setTimeout(90_000);
  const room = `crowd-${Math.random().toString(36).slice(2, 8)}`;
  const url = `${baseURL!.replace(/^http/, 'ws')}/__realtime`;
  const movers: Mover[] = [];
  for (let i = 0; i < MOVERS; i += 110) movers.push(...(await Promise.all(Array.from({ length: 110 }, () => mover(url, room)))));

  // Every mover moves once per 1/20 s, spread over the interval in slices.
  const SLICES = 5;
  let round = 0;
  const timer = setInterval(
    () => {
      const slice = round % SLICES;
      for (let i = slice; i < movers.length; i += SLICES) {
        const m = movers[i];
        const x = (i * 7 + round) % 96;
        const y = (i * 13 + round) % 90;
        m.ws.send(encodeFrame([{ t: 'call', id: ++m.calls, path: BOARD, args: [room, '~cursor', { x, y }] }]));
      }
      round++;
    },
    1000 / MOVES_PER_SECOND / SLICES
  );
  try {
    let cursorFrames = 0;
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => void (String(payload).includes('"moves"') && cursorFrames++)));
    await page.goto(`/board?room=${room}`);
    await expect(page.getByTestId('connection')).toHaveText('open');
    await expect(page.getByTestId('presence').getByRole('listitem')).toHaveCount(1);
    await expect.poll(() => page.locator('.cursor').count(), { timeout: 20_000 }).toBeGreaterThan(MOVERS * 0.9);

    // Usable: a note added in the crowd shows, and can be moved with the keys.
    await page.getByLabel('New card').fill('in the crowd');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const note = page.getByTestId('note').filter({ hasText: 'in the crowd' });
    await expect(note).toBeVisible();
    await note.focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('button', { name: 'Undo' })).toBeEnabled();

    // However many move, the page gets at most one cursor frame per tick (16 ms): ~60 a second.
    cursorFrames = 0;
    const started = Date.now();
    await page.waitForTimeout(2000);
    const perSecond = cursorFrames / ((Date.now() - started) / 1000);
    expect(perSecond).toBeGreaterThan(5);
    expect(perSecond).toBeLessThanOrEqual(70);
    await page.screenshot({ path: 'test-results/board-crowd.png' });
  } finally {
    clearInterval(timer);
    for (const m of movers) m.ws.terminate();
  }
});
