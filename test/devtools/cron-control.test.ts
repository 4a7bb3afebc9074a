/**
 * The DevTools' cron controls reach `runtime.controlCron(path, action)` with values from the
 * channel. An action that is not run, pause or resume is refused with a typed error that
 * describes it by type, never by converting it whole (a huge sparse array would stall the server).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/handlers.js';
import type { CronAction } from '../../runtime/server/kinds/cron.js';
import { module, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('controlCron with an unknown action', () => {
  it('refuses with MALFORMED and a bounded description of what it got', async () => {
    const job = live.cron('0 0 1 1 *', 'yearly', () => 'ran');
    server = await startServer({ modules: [module('jobs', { job })] });
    const sparse = new Array(100_000_000) as unknown as CronAction;
    await expect(server.runtime.controlCron('jobs/job', sparse)).rejects.toMatchObject({ code: 'MALFORMED', message: expect.stringContaining('(an array)') });
    await expect(server.runtime.controlCron('jobs/job', 'x'.repeat(10_000) as CronAction)).rejects.toMatchObject({
      code: 'MALFORMED',
      message: expect.stringMatching(/^Unknown cron action "x{40}…"; use run, pause or resume$/)
    });
  });
});
