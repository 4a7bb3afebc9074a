/**
 * The server's error log holds back repeats: one bad argument shape sent a thousand times
 * prints one stack, then a count of the others, not a thousand stacks.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { live } from '../../runtime/server/index.js';
import { ErrorLog } from '../../runtime/server/error-log.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('repeated errors over the wire', () => {
  it('logs the first of a kind in full and holds back its repeats, per path', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const lengthOf = (_ctx: unknown, input: { items: unknown[] }) => input.items.length;
    server = await startServer({ modules: [module('app', { count: live(lengthOf), other: live(lengthOf) })], options: { dev: false } });
    const client = await TestClient.connect(server.url);
    for (let i = 0; i < 200; i++) expect(await client.call('app/count', {})).toMatchObject({ t: 'error', code: 'INTERNAL' });
    expect(await client.call('app/other', {})).toMatchObject({ t: 'error', code: 'INTERNAL' });
    expect(log.mock.calls.map((call) => String(call[0]))).toEqual(['[svelte-realtime] app/count:', '[svelte-realtime] app/other:']);
    expect(log.mock.calls[0]![1]).toBeInstanceOf(TypeError);
    client.close();
  });
});

describe('ErrorLog', () => {
  it('prints how many repeats it held back when the minute ends, then logs that kind in full again', () => {
    vi.useFakeTimers();
    const lines: unknown[][] = [];
    const log = new ErrorLog((...line) => void lines.push(line));
    const error = new TypeError("Cannot read properties of undefined (reading 'length')");
    for (let i = 0; i < 1235; i++) log.log(error, 'app/count');
    log.log(new RangeError('Invalid array length'), 'app/count');
    log.log(error, 'app/other');
    expect(lines).toEqual([
      ['[svelte-realtime] app/count:', error],
      ['[svelte-realtime] app/count:', expect.any(RangeError)],
      ['[svelte-realtime] app/other:', error]
    ]);
    vi.advanceTimersByTime(60_000);
    expect(lines.slice(3)).toEqual([['[svelte-realtime] app/count: ... and 1 234 more like it in the last minute']]);
    log.log(error, 'app/count');
    expect(lines[4]).toEqual(['[svelte-realtime] app/count:', error]);
  });

  it('prints what it held back when the runtime closes', () => {
    const lines: unknown[][] = [];
    const log = new ErrorLog((...line) => void lines.push(line));
    for (let i = 0; i < 3; i++) log.log(new Error('down'), 'cron');
    log.close();
    expect(lines.map((line) => line[0])).toEqual(['[svelte-realtime] cron:', '[svelte-realtime] cron: ... and 2 more like it in the last minute']);
  });
});
