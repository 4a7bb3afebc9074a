import { afterEach, describe, expect, it } from 'vitest';
import { Cron } from 'croner';
import { guard, live } from '../../runtime/server/handlers.js';
import type { TelemetryEvent } from '../../runtime/server/telemetry.js';
import type { CronFailure } from '../../runtime/server/kinds/cron.js';
import { module, startServer, TestClient, type TestServer, waitFor, deferred } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A promise with its resolve function, to hold a job's run open. */
const YEARLY = '0 0 1 1 *';

describe('live.cron', () => {
  it('publishes each run to its topic, where a set-merge stream picks it up', async () => {
    let runs = 0;
    const tick = live.cron('* * * * * *', 'clock', () => ({ run: ++runs }));
    const clock = live.stream('clock', () => ({ run: 0 }), { merge: 'set' });
    server = await startServer({ modules: [module('time', { tick, clock })] });
    const client = await TestClient.connect(server.url);
    expect(await client.subscribe('time/clock')).toMatchObject({ t: 'snapshot', data: { run: 0 }, merge: { merge: 'set' } });
    const event = await client.next((m) => m.t === 'event' && m.topic === 'clock');
    expect(event).toMatchObject({ t: 'event', topic: 'clock', event: 'set', data: { run: expect.any(Number) } });
    client.close();
  });

  it('reports a run that throws to onError and the telemetry, keeps serving and keeps running', async () => {
    const failures: [unknown, CronFailure][] = [];
    const boom = live.cron('* * * * * *', 'never', () => {
      throw new Error('database unreachable');
    }, { onError: (error, run) => failures.push([error, run]) });
    const ping = live(() => 'pong');
    server = await startServer({ modules: [module('jobs', { boom, ping })] });
    const events: TelemetryEvent[] = [];
    server.runtime.telemetry.listen((e) => events.push(e));
    await waitFor(() => failures.length >= 2, 'two failed runs');
    expect((failures[0][0] as Error).message).toBe('database unreachable');
    expect(failures[0][1]).toMatchObject({ path: 'jobs/boom', topic: 'never', manual: false, start: expect.any(Number) });
    await waitFor(() => events.some((e) => e.type === 'cron'), 'a cron telemetry event');
    expect(events.find((e) => e.type === 'cron')).toMatchObject({
      type: 'cron',
      path: 'jobs/boom',
      topic: 'never',
      ok: false,
      manual: false,
      error: { message: 'database unreachable' }
    });
    const client = await TestClient.connect(server.url);
    expect(await client.call('jobs/ping')).toMatchObject({ t: 'result', data: 'pong' });
    expect(server.runtime.cronJobs()[0].lastRuns.at(-1)).toMatchObject({ ok: false, error: 'database unreachable' });
    client.close();
  });

  it('logs a failed run when there is no onError, and an onError that throws, without crashing', async () => {
    const logged: string[] = [];
    const quiet = live.cron(YEARLY, 't', () => {
      throw new Error('first');
    });
    const loud = live.cron(YEARLY, 't', () => {
      throw new Error('second');
    }, { onError: () => {
      throw new Error('handler broke');
    } });
    server = await startServer({ modules: [module('jobs', { quiet, loud })] });
    server.runtime.logError = (error, where) => logged.push(`${where}: ${(error as Error).message}`);
    await server.runtime.controlCron('jobs/quiet', 'run');
    await server.runtime.controlCron('jobs/loud', 'run');
    expect(logged).toEqual(['src/live/jobs.ts live.cron jobs/quiet: first', 'src/live/jobs.ts onError of live.cron jobs/loud: handler broke']);
  });

  it('never overlaps runs by default; protect: false allows it', async () => {
    const gate = deferred();
    let started = 0;
    const slow = live.cron(YEARLY, 'slow', async () => {
      started++;
      await gate.promise;
      return 'done';
    });
    let parallel = 0;
    const open = deferred();
    const free = live.cron(YEARLY, 'free', async () => {
      parallel++;
      await open.promise;
    }, { protect: false });
    server = await startServer({ modules: [module('jobs', { slow, free })] });
    const first = server.runtime.controlCron('jobs/slow', 'run');
    expect(server.runtime.cronJobs().find((j) => j.path === 'jobs/slow')?.running).toBe(true);
    await server.runtime.controlCron('jobs/slow', 'run'); // skipped: the first run is still going
    expect(started).toBe(1);
    gate.resolve();
    await first;
    expect(server.runtime.cronJobs().find((j) => j.path === 'jobs/slow')).toMatchObject({ running: false, lastRuns: [{ ok: true }] });

    const a = server.runtime.controlCron('jobs/free', 'run');
    const b = server.runtime.controlCron('jobs/free', 'run');
    expect(parallel).toBe(2);
    open.resolve();
    await Promise.all([a, b]);
  });

  it('lists jobs, runs one by hand, pauses and resumes it, and refuses an unknown path', async () => {
    let runs = 0;
    const report = live.cron('30 9 * * 1-5', 'reports', () => ++runs, { timezone: 'Asia/Tokyo' });
    const reports = live.stream('reports', () => 0, { merge: 'set' });
    server = await startServer({ modules: [module('ops', { report, reports })] });
    const [job] = server.runtime.cronJobs();
    expect(job).toMatchObject({ path: 'ops/report', schedule: '30 9 * * 1-5', timezone: 'Asia/Tokyo', topic: 'reports', paused: false, running: false, lastRuns: [] });
    // 09:30 in Tokyo (UTC+9, no daylight saving) is 00:30 UTC on a weekday.
    const next = new Date(job.nextRun!);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([0, 30]);
    expect(next.getTime()).toBe(new Cron('30 9 * * 1-5', { timezone: 'Asia/Tokyo' }).nextRun()!.getTime());

    const client = await TestClient.connect(server.url);
    await client.subscribe('ops/reports');
    await server.runtime.controlCron('ops/report', 'run');
    expect(await client.next((m) => m.t === 'event')).toMatchObject({ topic: 'reports', event: 'set', data: 1 });
    expect(server.runtime.cronJobs()[0].lastRuns).toEqual([{ start: expect.any(Number), duration: expect.any(Number), ok: true }]);

    await server.runtime.controlCron('ops/report', 'pause');
    expect(server.runtime.cronJobs()[0]).toMatchObject({ paused: true, nextRun: null });
    await server.runtime.controlCron('ops/report', 'resume');
    expect(server.runtime.cronJobs()[0]).toMatchObject({ paused: false, nextRun: job.nextRun });

    await expect(server.runtime.controlCron('ops/reports', 'run')).rejects.toMatchObject({ code: 'UNKNOWN_PATH' });
    await expect(server.runtime.controlCron('__proto__', 'pause')).rejects.toMatchObject({ code: 'UNKNOWN_PATH' });
    client.close();
  });

  it('accepts 5- and 6-field schedules and refuses a bad one with a message naming the export', async () => {
    const ok5 = live.cron('*/5 * * * *', 't', () => 1);
    const ok6 = live.cron('*/10 * * * * *', 't', () => 1);
    const ping = live(() => 'pong');
    server = await startServer({ modules: [module('jobs', { ok5, ok6, ping })] });
    expect(server.runtime.cronJobs().map((j) => j.path)).toEqual(['jobs/ok5', 'jobs/ok6']);

    const nightly = live.cron('every night', 't', () => 1);
    expect(() => server!.runtime.load({ modules: [module('broken', { nightly })] })).toThrow(
      /^src\/live\/broken\.ts: live\.cron export nightly has an invalid schedule "every night" .*Use 5 fields/
    );
    const zoned = live.cron('0 9 * * *', 't', () => 1, { timezone: 'Mars/Olympus' });
    expect(() => server!.runtime.load({ modules: [module('zoned', { zoned })] })).toThrow(/live\.cron export zoned .*time zone "Mars\/Olympus"/);
    // The previous jobs stay active and the app keeps answering.
    expect(server.runtime.cronJobs().map((j) => j.path)).toEqual(['jobs/ok5', 'jobs/ok6']);
    const client = await TestClient.connect(server.url);
    expect(await client.call('jobs/ping')).toMatchObject({ t: 'result', data: 'pong' });
    client.close();
    expect(() => live.cron('', 't', () => 1)).toThrow(TypeError);
    expect(() => live.cron('* * * * *', '', () => 1)).toThrow(TypeError);
  });

  it('stops its timer on reload and on shutdown, and keeps its run history across reloads', async () => {
    const job = live.cron(YEARLY, 't', () => 1);
    server = await startServer({ modules: [module('jobs', { job })] });
    await server.runtime.controlCron('jobs/job', 'run');
    const timer = job.job;
    expect(timer).toBeDefined();
    server.runtime.load({ modules: [] });
    expect(job.job).toBeUndefined();
    expect(server.runtime.cronJobs()).toEqual([]);
    await expect(server.runtime.controlCron('jobs/job', 'run')).rejects.toMatchObject({ code: 'UNKNOWN_PATH' });
    server.runtime.load({ modules: [module('jobs', { job })] });
    expect(job.job).toBeDefined();
    expect(job.job).not.toBe(timer);
    expect(server.runtime.cronJobs()[0].lastRuns).toHaveLength(1);
    await server.close();
    server = undefined;
    expect(job.job).toBeUndefined();
  });

  it('has no client entry point: calling or subscribing to it is an unknown path, even past a guard', async () => {
    const job = live.cron(YEARLY, 't', () => 1);
    server = await startServer({ modules: [module('admin', { guard: guard(() => false), job })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('admin/job')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(await client.subscribe('admin/job')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    client.close();
  });
});
