/**
 * rateLimiter(): one budget over many functions, taken in `handle` with exemptions. A user's
 * calls to any function count together, an exempt path (cursor moves) never counts, and each
 * user has a budget of their own. Room actions count like any call.
 */
import { describe, expect, it } from 'vitest';
import { isCursorMove, live, rateLimiter, sequence, type Handle } from '../../runtime/server/index.js';
import { getRuntime } from '../../runtime/server/runtime.js';
import { module, serverPerTest } from '../helpers/server.js';

const server = serverPerTest();

async function start(points = 3) {
  const perUser = rateLimiter({ points, window: 60_000, name: 'per-user' });
  const handle: Handle = async ({ event, resolve }) => {
    if (event.kind === 'call' && !isCursorMove(event)) await perUser.take(event.ctx);
    return resolve(event);
  };
  await server.start({
    modules: [
      module('board', {
        addNote: live(() => 'added'),
        moveNote: live(() => 'moved'),
        room: live.room({ init: () => [], actions: { add: () => 'added in room' } })
      })
    ],
    hooks: { upgrade: ({ request }) => ({ id: request.headers.get('x-user') }), handle: sequence(handle) }
  }, getRuntime()); // isCursorMove reads the process's registry, as in production
}

describe('rateLimiter in handle', () => {
  it("counts a user's calls to every function together, and refuses past the budget with RATE_LIMITED", async () => {
    await start(3);
    const ada = await server.connect({ headers: { 'x-user': 'ada' } });
    expect(await ada.call('board/addNote')).toMatchObject({ t: 'result', data: 'added' });
    expect(await ada.call('board/moveNote')).toMatchObject({ t: 'result', data: 'moved' });
    expect(await ada.call('board/addNote')).toMatchObject({ t: 'result' });
    const refused = await ada.call('board/moveNote');
    expect(refused).toMatchObject({ t: 'error', code: 'RATE_LIMITED', details: { retryAfter: expect.any(Number) } });
    expect((refused as { message: string }).message).toMatch(/at most 3 per 60000 ms/);
  });

  it('never counts an exempt path, and gives each user a budget of their own', async () => {
    await start(2);
    const ada = await server.connect({ headers: { 'x-user': 'ada' } });
    const bob = await server.connect({ headers: { 'x-user': 'bob' } });
    await ada.subscribe('board/room', ['lobby', 'cursors']);
    for (let i = 0; i < 20; i++) expect(await ada.call('board/room', 'lobby', '~cursor', { x: i, y: 0 })).toMatchObject({ t: 'result' });
    expect(await ada.call('board/addNote')).toMatchObject({ t: 'result' });
    expect(await ada.call('board/addNote')).toMatchObject({ t: 'result' });
    expect(await ada.call('board/addNote')).toMatchObject({ code: 'RATE_LIMITED' });
    // The cursor action's name on any other function is no exemption.
    expect(await bob.call('board/addNote', 'lobby', '~cursor')).toMatchObject({ t: 'result' });
    expect(await bob.call('board/addNote', 'lobby', '~cursor')).toMatchObject({ t: 'result' });
    expect(await bob.call('board/addNote', 'lobby', '~cursor')).toMatchObject({ code: 'RATE_LIMITED' });
    // Two tabs of one user share it.
    const adaAgain = await server.connect({ headers: { 'x-user': 'ada' } });
    expect(await adaAgain.call('board/moveNote')).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('refuses options that cannot work, naming them', () => {
    expect(() => rateLimiter({ points: 0, window: 1000 })).toThrow(/rateLimiter: points must be a positive integer/);
    expect(() => rateLimiter({ points: 1, window: -1 })).toThrow(/rateLimiter: window must be a positive number/);
    expect(() => rateLimiter({ points: 1, window: 1000, key: 'user' as never })).toThrow(/key must be 'address' or a function/);
    expect(() => rateLimiter({ points: 1, window: 1000, name: '' })).toThrow(/name must be a non-empty string/);
  });
});
