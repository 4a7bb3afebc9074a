/**
 * Identical concurrent subscriptions share one init when that cannot change what they see: an
 * init that takes no ctx, the same arguments, the topic at the same position.
 */
import { describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/index.js';
import { deferred, module, serverPerTest } from '../helpers/server.js';

const fixture = serverPerTest();

describe('shared init', () => {
  it('runs one init for 50 clients subscribing at once (a reconnect stampede), and gives each the value', async () => {
    let runs = 0;
    const gate = deferred();
    const feed = live.stream('feed', async () => {
      runs++;
      await gate.promise;
      return [{ id: 1, text: 'hello' }];
    });
    await fixture.start({ modules: [module('news', { feed })] });
    const clients = await Promise.all(Array.from({ length: 50 }, () => fixture.connect()));
    const snapshots = clients.map((c) => c.subscribe('news/feed'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.resolve();
    for (const snapshot of await Promise.all(snapshots)) expect(snapshot).toMatchObject({ t: 'snapshot', data: [{ id: 1 }] });
    expect(runs).toBe(1);
  });

  it('runs once per subscription when init takes ctx, when arguments differ, or after a publish', async () => {
    let perUser = 0;
    let perArgs = 0;
    const gate = deferred();
    const mine = live.stream('mine', async (ctx) => {
      perUser++;
      await gate.promise;
      return [{ id: ctx.connectionId }];
    });
    const room = live.stream(
      (_ctx, id: string) => `room:${id}`,
      async () => {
        perArgs++;
        await gate.promise;
        return [];
      }
    );
    const server = await fixture.start({ modules: [module('app', { mine, room })] });
    const [a, b, c] = await Promise.all([fixture.connect(), fixture.connect(), fixture.connect()]);
    const pending = [a.subscribe('app/mine'), b.subscribe('app/mine'), a.subscribe('app/room', ['x']), b.subscribe('app/room', ['y'])];
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.runtime.publish('room:x', 'created', { id: 9 });
    pending.push(c.subscribe('app/room', ['x']));
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.resolve();
    const [snapA, snapB] = await Promise.all(pending);
    expect(snapA).toMatchObject({ data: [{ id: expect.any(String) }] });
    expect((snapA as { data: { id: string }[] }).data[0]!.id).not.toBe((snapB as { data: { id: string }[] }).data[0]!.id);
    expect(perUser).toBe(2);
    expect(perArgs).toBe(3);
  });
});
