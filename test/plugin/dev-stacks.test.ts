/**
 * In `vite dev`, an error thrown in a live function has a stack that points at the line and
 * column of the user's file, wherever it is shown: the terminal, the caller's error, and the
 * DevTools' call event (Vite evaluates transformed code, whose lines differ from the source's).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TelemetryEvent } from '../../runtime/server/telemetry.js';
import { TestClient } from '../helpers/server.js';
import { startDevApp, waitFor, type DevApp } from '../helpers/vite.js';

let app: DevApp;
let client: TestClient;
beforeAll(async () => {
  app = await startDevApp('hmr-app', 'dev-stacks');
  client = await TestClient.connect(app.url);
});
afterAll(async () => {
  client?.close();
  await app?.close();
});

// Types and imports the compiler removes, so the emitted code's lines are not the source's.
const source = [
  "import { live } from 'svelte-realtime/server';",
  "import type { LiveContext } from 'svelte-realtime/server';",
  '',
  'interface Greeting {',
  '  text: string;',
  '  loud: boolean;',
  '}',
  '',
  'type Shout = (greeting: Greeting) => string;',
  'const shout: Shout = (greeting) => greeting.text.toUpperCase();',
  '',
  'export const hello = live((_ctx: LiveContext, name: string) => {',
  "  const greeting: Greeting = { text: `hello ${name}`, loud: name === 'ann' };",
  "  if (greeting.loud) throw new Error('too loud: ' + shout(greeting));",
  '  return greeting.text;',
  '});',
  ''
].join('\n');

describe('a live function that throws in vite dev', () => {
  it('reports the line and column of the throw in the source file', async () => {
    await app.save('src/live/greet.ts', source);
    const where = `${app.file('src/live/greet.ts')}:14:28`;
    const events: TelemetryEvent[] = [];
    const stop = app.runtime.telemetry.listen((event) => void events.push(event));
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const answer = (await client.call('greet/hello', 'ann')) as { t: string; code: string; message: string; stack?: string };
      expect(answer).toMatchObject({ t: 'error', code: 'INTERNAL', message: 'too loud: HELLO ANN' });
      // The caller (and the page's error in dev).
      expect(answer.stack?.split('\n')[1]).toContain(where);
      // The terminal.
      const line = printed.mock.calls.map((args) => args.map((a) => (a instanceof Error ? a.stack : String(a))).join(' ')).find((l) => l.includes('too loud'));
      expect(line).toContain(where);
      // The DevTools.
      const call = await waitFor(() => events.find((e) => e.type === 'call' && e.path === 'greet/hello' && !e.ok), 'the call event');
      expect(call.type === 'call' && call.error?.stack?.split('\n')[1]).toContain(where);
    } finally {
      printed.mockRestore();
      stop();
    }
  });

  it('does the same for a live.cron job, in the terminal and the DevTools', async () => {
    const job = [
      "import { live } from 'svelte-realtime/server';",
      '',
      'interface Tally {',
      '  count: number;',
      '}',
      '',
      "export const tally = live.cron('0 0 1 1 *', 'tally', (): Tally => {",
      "  throw new Error('no tally today');",
      '});',
      ''
    ].join('\n');
    await app.save('src/live/tally.ts', job, (event) => event.file === 'src/live/tally.ts');
    const where = `${app.file('src/live/tally.ts')}:8:9`;
    const events: TelemetryEvent[] = [];
    const stop = app.runtime.telemetry.listen((event) => void events.push(event));
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await app.runtime.controlCron('tally/tally', 'run');
      const run = await waitFor(() => events.find((e) => e.type === 'cron' && e.path === 'tally/tally'), 'the cron event');
      expect(run.type === 'cron' && run.error?.stack?.split('\n')[1]).toContain(where);
      const line = printed.mock.calls.map((args) => args.map((a) => (a instanceof Error ? a.stack : String(a))).join(' ')).find((l) => l.includes('no tally today'));
      expect(line).toContain(where);
    } finally {
      printed.mockRestore();
      stop();
    }
  });
});
