/**
 * Jobs and limits over several instances: a cron tick runs once for the cluster and goes on
 * when its holder dies; a rate limit counts calls on every instance; an effect runs once per
 * publish; an aggregate on any instance counts the publishes of all of them.
 */
import { describe, expect, it } from 'vitest';
import { redisClient, startInstance } from './instances.js';
import { eventually, useCluster } from './setup.js';

const cluster = useCluster();

/** The cron runs recorded so far: when each ran (ms) and on which instance, in order. */
async function runs(db: Awaited<ReturnType<typeof redisClient>>): Promise<{ at: number; name: string }[]> {
  return (await db.lRange('db:ticks', 0, -1)).map((entry) => {
    const [at, name] = entry.split(':') as [string, string];
    return { at: Number(at), name };
  });
}

/**
 * Two runs of one tick (one per instance) would start within a few ms of each other; runs of
 * consecutive ticks of the fixture's every-second job start about a second apart.
 */
function expectOncePerTick(list: { at: number }[]): void {
  for (let i = 1; i < list.length; i++) expect(list[i]!.at - list[i - 1]!.at, `run ${i}`).toBeGreaterThan(250);
}

describe('cluster jobs and limits', () => {
  it('runs each cron tick once across instances, and goes on when its holder is killed', async () => {
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a'), startInstance(cluster.redis, 'b')]);
    const db = await redisClient(cluster.redis);
    await eventually(async () => (await runs(db)).length >= 4, 'four ticks', 10_000);
    expectOncePerTick(await runs(db));
    // Kill whichever ran the last tick; the survivor takes the next ones.
    const last = (await runs(db)).at(-1)!.name;
    const [holder, survivor] = last === 'a' ? [a, b] : [b, a];
    await holder.kill('SIGKILL');
    const killed = Date.now();
    await eventually(async () => (await runs(db)).filter((run) => run.at > killed).length >= 3, 'ticks after the kill', 10_000);
    const all = await runs(db);
    expectOncePerTick(all);
    expect(all.filter((run) => run.at > killed).map((run) => run.name)).toEqual(Array(all.filter((run) => run.at > killed).length).fill(survivor.name));
    await db.close();
  }, 30_000);

  it('counts rate-limited calls across instances', async () => {
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a'), startInstance(cluster.redis, 'b')]);
    const onA = await cluster.connect(a.url('fay'));
    const onB = await cluster.connect(b.url('fay'));
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await onA.call('app/limited'));
    for (let i = 0; i < 3; i++) results.push(await onB.call('app/limited'));
    expect(results.map((r) => r.t)).toEqual(['result', 'result', 'result', 'result', 'result', 'error']);
    expect(results[5]).toMatchObject({ code: 'RATE_LIMITED' });
    // Another user has a window of their own.
    const other = await cluster.connect(b.url('gus'));
    expect((await other.call('app/limited')).t).toBe('result');
  }, 30_000);

  it('runs an effect once per publish; aggregates and derived streams follow every instance', async () => {
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a'), startInstance(cluster.redis, 'b')]);
    const watcher = await cluster.connect(b.url());
    await watcher.subscribe('app/counted');
    const sized = await cluster.connect(b.url());
    const derived = await sized.subscribe('app/size');
    const onA = await cluster.connect(a.url());
    const onB = await cluster.connect(b.url());
    for (let i = 0; i < 5; i++) await onA.call('app/add', `a${i}`);
    for (let i = 0; i < 5; i++) await onB.call('app/add', `b${i}`);
    await watcher.next((m) => m.t === 'event' && (m.data as { total: number }).total === 10, 5_000);
    // A derived stream on B recomputes when A publishes to its source.
    expect(derived.t).toBe('snapshot');
    await sized.next((m) => m.t === 'event' && m.data === 10, 5_000);
    const db = await redisClient(cluster.redis);
    await eventually(async () => (await db.lLen('db:effects')) >= 10, 'ten effect runs');
    // Given time to run twice, it still ran once per publish.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await db.lRange('db:effects', 0, -1)).map(Number).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await db.close();
  }, 30_000);
});
