/**
 * Graceful shutdown (runtime.shutdown(), what SIGTERM runs in `node build`): calls in flight
 * answer, then each socket closes with 1012; nothing new runs; a call still running at the
 * deadline ends its socket with 1001; jobs stop and onDispose runs.
 */
import { describe, expect, it } from 'vitest';
import { live, onDispose } from '../../runtime/server/index.js';
import { deferred, module, serverPerTest, TestClient, upgradeStatus } from '../helpers/server.js';

const server = serverPerTest();

describe('graceful shutdown', () => {
  it('answers a call in flight, then closes the socket with 1012', async () => {
    const held = deferred<string>();
    const slow = live(() => held.promise);
    await server.start({ modules: [module('jobs', { slow })] });
    const client = await server.connect();
    const answer = client.call('jobs/slow');
    await new Promise((resolve) => setTimeout(resolve, 20));

    const stopped = server.server.runtime.shutdown(5_000);
    setTimeout(() => held.resolve('finished'), 50);

    expect(await answer).toMatchObject({ t: 'result', data: 'finished' });
    expect(await client.closed).toMatchObject({ code: 1012 });
    await stopped;
  });

  it('runs nothing sent after it began, so the client may send it again elsewhere', async () => {
    let runs = 0;
    const held = deferred();
    const slow = live(() => held.promise);
    const count = live(() => ++runs);
    await server.start({ modules: [module('jobs', { slow, count })] });
    const client = await server.connect();
    void client.call('jobs/slow');
    await new Promise((resolve) => setTimeout(resolve, 20));

    const stopped = server.server.runtime.shutdown(5_000);
    client.send({ t: 'call', id: 99, path: 'jobs/count', args: [] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    held.resolve();

    expect(await client.closed).toMatchObject({ code: 1012 });
    await stopped;
    expect(runs).toBe(0);
    expect(client.messages.some((m) => 'id' in m && m.id === 99)).toBe(false);
  });

  it('closes with 1001 a socket whose call is still running at the deadline', async () => {
    const never = live(() => new Promise(() => {}));
    await server.start({ modules: [module('jobs', { never })] });
    const idle = await server.connect();
    const busy = await server.connect();
    void busy.call('jobs/never');
    await new Promise((resolve) => setTimeout(resolve, 20));

    await server.server.runtime.shutdown(200);

    expect(await idle.closed).toMatchObject({ code: 1012 });
    expect(await busy.closed).toMatchObject({ code: 1001 });
  });

  it('refuses new sockets with 503 while it drains', async () => {
    const held = deferred();
    const slow = live(() => held.promise);
    await server.start({ modules: [module('jobs', { slow })] });
    const client = await server.connect();
    void client.call('jobs/slow');
    await new Promise((resolve) => setTimeout(resolve, 20));

    const stopped = server.server.runtime.shutdown(5_000);
    expect(await upgradeStatus(server.server.url)).toBe(503);
    await expect(TestClient.connect(server.server.url)).rejects.toThrow(/503/);
    held.resolve();
    await stopped;
  });

  it('stops cron jobs at once and runs onDispose when the sockets are closed', async () => {
    const tick = live.cron('* * * * * *', 'clock', () => Date.now());
    await server.start({ modules: [module('jobs', { tick })] });
    let disposed = 0;
    onDispose(() => void disposed++);
    const client = await server.connect();
    expect(server.server.runtime.cronJobs()[0]).toMatchObject({ nextRun: expect.any(Number) });

    const stopped = server.server.runtime.shutdown(5_000);
    expect(server.server.runtime.cronJobs()[0]).toMatchObject({ nextRun: null });
    await stopped;

    expect(await client.closed).toMatchObject({ code: 1012 });
    expect(disposed).toBe(1);
    expect(server.server.runtime.cronJobs()).toEqual([]);
  });

  it('returns the same promise when called twice', async () => {
    await server.start({ modules: [] });
    const runtime = server.server.runtime;
    expect(runtime.shutdown(1_000)).toBe(runtime.shutdown(1_000));
    await runtime.shutdown();
  });
});
