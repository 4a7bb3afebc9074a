/**
 * Presence over several instances: a user is present once however many instances they are
 * connected through, the hooks run once per user for the cluster, and the members of an
 * instance killed without warning leave once its heartbeat expires.
 */
import { describe, expect, it } from 'vitest';
import { redisClient, startInstance } from './instances.js';
import { eventually, useCluster } from './setup.js';

const cluster = useCluster();

type Member = { id: string };

describe('cluster presence', () => {
  it('lists each user once over every instance, and runs onJoin once per user', async () => {
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a'), startInstance(cluster.redis, 'b')]);
    const annOnA = await cluster.connect(a.url('ann'));
    expect((await annOnA.subscribe('app/lobby', ['main', 'presence'])).t).toBe('snapshot');
    const annOnB = await cluster.connect(b.url('ann'));
    await annOnB.subscribe('app/lobby', ['main', 'presence']);
    const bobOnB = await cluster.connect(b.url('bob'));
    const snapshot = await bobOnB.subscribe('app/lobby', ['main', 'presence']);
    if (snapshot.t !== 'snapshot') throw new Error(JSON.stringify(snapshot));
    expect((snapshot.data as Member[]).map((m) => m.id).sort()).toEqual(['ann', 'bob']);
    // Ann on A sees Bob join (published on B), and no second join of her own.
    const joined = await annOnA.next((m) => m.t === 'event' && m.event === 'join' && (m.data as Member).id === 'bob');
    expect(joined).toBeTruthy();
    const db = await redisClient(cluster.redis);
    expect((await db.lRange('db:joins', 0, -1)).sort()).toEqual(['ann', 'bob']);
    // Ann closes her tab on A: she is still present through B, so nobody sees her leave.
    annOnA.close();
    const bobOnA = await cluster.connect(a.url('bob'));
    const later = await bobOnA.subscribe('app/lobby', ['main', 'presence']);
    expect(((later as { data: Member[] }).data).map((m) => m.id).sort()).toEqual(['ann', 'bob']);
    expect(await db.lRange('db:leaves', 0, -1)).toEqual([]);
    // Her last tab closes: she leaves, once.
    annOnB.close();
    await bobOnB.next((m) => m.t === 'event' && m.event === 'leave' && (m.data as Member).id === 'ann');
    await eventually(async () => (await db.lRange('db:leaves', 0, -1)).length > 0, 'the leave hook');
    expect(await db.lRange('db:leaves', 0, -1)).toEqual(['ann']);
    await db.close();
  }, 30_000);

  it('removes the members of a killed instance within the expiry time', async () => {
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a'), startInstance(cluster.redis, 'b')]);
    const carol = await cluster.connect(a.url('carol'));
    await carol.subscribe('app/online');
    const dave = await cluster.connect(b.url('dave'));
    const snapshot = (await dave.subscribe('app/online')) as { data: Member[] };
    expect(snapshot.data.map((m) => m.id).sort()).toEqual(['carol', 'dave']);
    const killedAt = Date.now();
    await a.kill('SIGKILL');
    // The fixture's instances expire after 1 s without a heartbeat (sent every 200 ms).
    await dave.next((m) => m.t === 'event' && m.event === 'leave' && (m.data as Member).id === 'carol', 5_000);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    const again = await cluster.connect(b.url('erin'));
    const now = (await again.subscribe('app/online')) as { data: Member[] };
    expect(now.data.map((m) => m.id).sort()).toEqual(['dave', 'erin']);
  }, 30_000);

  it('takes the members of an instance stopped with SIGTERM out at once, not when its heartbeat expires', async () => {
    // Members of a silent instance would stay 30 s: seeing them leave sooner means they left cleanly.
    const env = { EXPIRE_MS: '30000' };
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a', undefined, env), startInstance(cluster.redis, 'b', undefined, env)]);
    const hal = await cluster.connect(a.url('hal'));
    await hal.subscribe('app/lobby', ['main', 'presence']);
    const ivy = await cluster.connect(b.url('ivy'));
    const snapshot = (await ivy.subscribe('app/lobby', ['main', 'presence'])) as { data: Member[] };
    expect(snapshot.data.map((m) => m.id).sort()).toEqual(['hal', 'ivy']);
    const stoppedAt = Date.now();
    await a.kill('SIGTERM');
    await ivy.next((m) => m.t === 'event' && m.event === 'leave' && (m.data as Member).id === 'hal', 10_000);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    const db = await redisClient(cluster.redis);
    await eventually(async () => (await db.lRange('db:leaves', 0, -1)).length > 0, 'the leave hook');
    expect(await db.lRange('db:leaves', 0, -1)).toEqual(['hal']);
    await db.close();
  }, 30_000);

  it('shows cursors of every instance to a newcomer, and takes a killed instance\'s cursors away', async () => {
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a'), startInstance(cluster.redis, 'b')]);
    const jan = await cluster.connect(a.url('jan'));
    await jan.subscribe('app/lobby', ['main', 'cursors']);
    expect((await jan.call('app/lobby', 'main', '~cursor', { x: 10, y: 20 })).t).toBe('result');
    // The move leaves in the room's next frame, and is written to Redis with it.
    await jan.next((m) => m.t === 'event' && m.event === 'moves');
    const kim = await cluster.connect(b.url('kim'));
    const snapshot = (await kim.subscribe('app/lobby', ['main', 'cursors'])) as { t: string; data: { key: string; data: unknown }[] };
    expect(snapshot.data).toEqual([{ key: 'user:jan', data: { x: 10, y: 20 } }]);
    await a.kill('SIGKILL');
    const left = await kim.next((m) => m.t === 'event' && m.event === 'leave', 5_000);
    expect(left).toMatchObject({ data: { key: 'user:jan' } });
    const late = await cluster.connect(b.url('lee'));
    expect(((await late.subscribe('app/lobby', ['main', 'cursors'])) as { data: unknown[] }).data).toEqual([]);
  }, 30_000);

  it('carries the cursors of one frame to the other instances and Redis together, and lets a watcher on another instance see members without entering', async () => {
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a'), startInstance(cluster.redis, 'b')]);
    const movers = await Promise.all(['mo', 'ned'].map((id) => cluster.connect(a.url(id))));
    for (const mover of movers) await mover.subscribe('app/lobby', ['crowd', 'share-cursor']);
    const home = await cluster.connect(b.url('home'));
    expect(await home.subscribe('app/lobby', ['crowd', 'watch'])).toMatchObject({ t: 'snapshot', data: [] });
    const pat = await cluster.connect(b.url('pat'));
    await pat.subscribe('app/lobby', ['crowd', 'cursors']);
    await Promise.all(movers.map((mover, i) => mover.call('app/lobby', 'crowd', '~cursor', { i })));
    const seen: { key: string }[] = [];
    while (seen.length < 2) {
      const frame = (await pat.next((m) => m.t === 'event' && m.event === 'moves')) as { data: { key: string }[] };
      seen.push(...frame.data);
    }
    expect(seen.map((entry) => entry.key).sort()).toEqual(['user:mo', 'user:ned']);
    const late = await cluster.connect(b.url('late'));
    const snapshot = (await late.subscribe('app/lobby', ['crowd', 'cursors'])) as { data: { key: string; data: unknown }[] };
    expect(snapshot.data.map((entry) => entry.key).sort()).toEqual(['user:mo', 'user:ned']);
    // A member enters through A; the watcher on B sees the join, and is not a member itself.
    const ann = await cluster.connect(a.url('ann'));
    await ann.subscribe('app/lobby', ['crowd', 'presence']);
    expect(await home.next((m) => m.t === 'event' && m.event === 'join')).toMatchObject({ data: { id: 'ann' } });
    const db = await redisClient(cluster.redis);
    expect(await db.lRange('db:joins', 0, -1)).toEqual(['ann']);
    await db.close();
  }, 30_000);
});
