/**
 * `handleError` in hooks.ws: every unexpected error reaches it once, from each place one can
 * happen (a call, a binary call, a stream's init, a cron run, an effect, a derived recompute, a
 * room action and a room hook, a throwing hook); what it returns is what a caller sees in place
 * of the generic INTERNAL message; a LiveError never reaches it; a throwing handleError is
 * logged and changes nothing else.
 */
import { describe, expect, it } from 'vitest';
import { live, LiveError, type HandleError, type HandleErrorEvent } from '../../runtime/server/index.js';
import type { LoadInput } from '../../runtime/server/runtime.js';
import { module, serverPerTest, waitFor, type TestServer } from '../helpers/server.js';

const servers = serverPerTest();

const YEARLY = '0 0 1 1 *';
const asUser = (id: string) => ({ headers: { 'x-user': id } });
const upgrade = ({ request }: { request: Request }) => (request.headers.has('x-user') ? { id: request.headers.get('x-user') } : null) as never;

interface Reported {
  message: string;
  event: HandleErrorEvent;
}

/**
 * A server whose handleError records what it receives and shows `{ message: 'Sorry (<ref>)', ref }`;
 * the log is recorded instead of printed.
 */
async function start(input: LoadInput, options: { dev?: boolean } = {}): Promise<{ server: TestServer; reported: Reported[]; logged: string[] }> {
  const reported: Reported[] = [];
  const handleError: HandleError = ({ error, event }) => {
    reported.push({ message: (error as Error).message, event });
    return { message: `Sorry (ref ${reported.length})`, ref: reported.length };
  };
  const server = await servers.start({ ...input, hooks: { upgrade, ...input.hooks, handleError }, options: { dev: options.dev ?? false } });
  const logged: string[] = [];
  server.runtime.logError = (error, where) => void logged.push(`${where}: ${(error as Error).message}`);
  return { server, reported, logged };
}

describe('handleError', () => {
  it('gets a failed call once, with path, user and kind, and the caller sees what it returns', async () => {
    const notes = {
      save: live(() => {
        throw new Error('database is down');
      })
    };
    const { reported, logged } = await start({ modules: [module('notes', notes)] });
    const client = await servers.connect(asUser('ann'));
    expect(await client.call('notes/save')).toEqual({ t: 'error', id: 1, code: 'INTERNAL', message: 'Sorry (ref 1)', details: { ref: 1 } });
    expect(reported).toEqual([{ message: 'database is down', event: { path: 'notes/save', user: { id: 'ann' }, kind: 'call', where: 'notes/save' } }]);
    // The server log keeps the error too.
    expect(logged).toEqual(['notes/save: database is down']);
  });

  it('never gets a LiveError, which reaches the caller as it is', async () => {
    const notes = {
      save: live(() => {
        throw new LiveError('EMPTY', 'Note is empty');
      })
    };
    const { reported } = await start({ modules: [module('notes', notes)] });
    const client = await servers.connect();
    expect(await client.call('notes/save')).toMatchObject({ code: 'EMPTY', message: 'Note is empty' });
    expect(reported).toEqual([]);
  });

  it('gets a failed binary call and a failed stream init, each once', async () => {
    const files = {
      upload: live.binary(() => {
        throw new Error('disk full');
      }),
      recent: live.stream('recent', () => {
        throw new Error('index missing');
      })
    };
    const { reported } = await start({ modules: [module('files', files)] });
    const client = await servers.connect(asUser('bo'));
    expect(await client.callBinary('files/upload', new Uint8Array(3))).toMatchObject({ code: 'INTERNAL', message: 'Sorry (ref 1)' });
    expect(await client.subscribe('files/recent')).toMatchObject({ t: 'error', code: 'INTERNAL', message: 'Sorry (ref 2)', details: { ref: 2 } });
    expect(reported).toEqual([
      { message: 'disk full', event: { path: 'files/upload', user: { id: 'bo' }, kind: 'binary', where: 'files/upload' } },
      { message: 'index missing', event: { path: 'files/recent', user: { id: 'bo' }, kind: 'subscribe', where: 'files/recent' } }
    ]);
  });

  it('gets a failed room action as a call on the room, and a throwing room hook as the room', async () => {
    const board = {
      room: live.room({
        init: () => [],
        onJoin: () => {
          throw new Error('welcome message failed');
        },
        actions: {
          pin: () => {
            throw new Error('pin store unavailable');
          }
        }
      })
    };
    const { reported } = await start({ modules: [module('board', board)] });
    const client = await servers.connect(asUser('cy'));
    expect(await client.call('board/room', 'lobby', 'pin')).toMatchObject({ code: 'INTERNAL', message: 'Sorry (ref 1)' });
    expect(await client.subscribe('board/room', ['lobby', 'presence'])).toMatchObject({ t: 'snapshot' });
    await waitFor(() => reported.length === 2, 'the room hook error');
    expect(reported).toEqual([
      { message: 'pin store unavailable', event: { path: 'board/room', user: { id: 'cy' }, kind: 'call', where: 'board/room' } },
      { message: 'welcome message failed', event: { path: 'board/room', user: null, kind: 'room', where: 'src/live/board.ts room onJoin' } }
    ]);
  });

  it('gets a failed cron run, effect and derived recompute, each once, with no user', async () => {
    let failDerived = false;
    const jobs = {
      nightly: live.cron(YEARLY, 'reports', () => {
        throw new Error('report failed');
      }),
      mailer: live.effect('orders', () => {
        throw new Error('smtp refused');
      }),
      totals: live.derived(['orders'], () => {
        if (failDerived) throw new Error('totals query failed');
        return 0;
      }, { debounce: 0 })
    };
    const { server, reported } = await start({ modules: [module('jobs', jobs)] });
    await server.runtime.controlCron('jobs/nightly', 'run');
    const client = await servers.connect();
    expect(await client.subscribe('jobs/totals')).toMatchObject({ t: 'snapshot', data: 0 });
    failDerived = true;
    server.runtime.publish('orders', 'created', { id: 1 });
    await waitFor(() => reported.length === 3, 'the effect and the derived errors');
    const byKind = Object.fromEntries(reported.map((r) => [r.event.kind, r]));
    expect(byKind).toEqual({
      cron: { message: 'report failed', event: { path: 'jobs/nightly', user: null, kind: 'cron', where: 'src/live/jobs.ts live.cron jobs/nightly' } },
      effect: { message: 'smtp refused', event: { path: 'jobs/mailer', user: null, kind: 'effect', where: 'src/live/jobs.ts live.effect jobs/mailer (event created on orders)' } },
      derived: { message: 'totals query failed', event: { path: 'jobs/totals', user: null, kind: 'derived', where: 'src/live/jobs.ts live.derived jobs/totals' } }
    });
  });

  it('gets a call whose result cannot be sent (a function), and the caller still gets INTERNAL', async () => {
    const notes = { bad: live(() => ({ format: () => 'a function cannot cross the wire' })) };
    const { reported } = await start({ modules: [module('notes', notes)] });
    const client = await servers.connect(asUser('dee'));
    expect(await client.call('notes/bad')).toMatchObject({ t: 'error', code: 'INTERNAL' });
    expect(reported).toHaveLength(1);
    expect(reported[0]!.event).toEqual({
      path: 'notes/bad',
      user: { id: 'dee' },
      kind: 'call',
      where: 'notes/bad: its value cannot be sent (return plain data: objects, arrays, Date, Map, Set, BigInt)'
    });
  });

  it('gets a throwing hooks.ws hook', async () => {
    const { reported } = await start({
      modules: [module('n', { ping: live(() => 'pong') })],
      hooks: {
        open: () => {
          throw new Error('audit log full');
        }
      }
    });
    const client = await servers.connect();
    expect(await client.call('n/ping')).toMatchObject({ data: 'pong' });
    await waitFor(() => reported.length === 1, 'the hook error');
    expect(reported[0]).toEqual({ message: 'audit log full', event: { path: '', user: null, kind: 'hook', where: 'hooks.ws open' } });
  });

  it('may answer later: the caller waits for its message', async () => {
    const handleError: HandleError = async ({ error }) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { message: `Reported: ${(error as Error).message.length} chars` };
    };
    const notes = {
      save: live(() => {
        throw new Error('12345');
      })
    };
    await servers.start({ modules: [module('notes', notes)], hooks: { handleError }, options: { dev: false } });
    const client = await servers.connect();
    expect(await client.call('notes/save')).toEqual({ t: 'error', id: 1, code: 'INTERNAL', message: 'Reported: 5 chars' });
  });

  it('that throws, rejects or answers badly is logged, and the caller sees the default message', async () => {
    let mode: 'throw' | 'reject' | 'number' = 'throw';
    const handleError = (() => {
      if (mode === 'throw') throw new Error('sentry is down');
      if (mode === 'reject') return Promise.reject(new Error('sentry timed out'));
      return 42;
    }) as unknown as HandleError;
    const notes = {
      save: live(() => {
        throw new Error('boom');
      })
    };
    const server = await servers.start({ modules: [module('notes', notes)], hooks: { handleError }, options: { dev: false } });
    const logged: string[] = [];
    server.runtime.logError = (error, where) => void logged.push(`${where}: ${(error as Error).message}`);
    const client = await servers.connect();
    for (const next of ['throw', 'reject', 'number'] as const) {
      mode = next;
      expect(await client.call('notes/save')).toEqual({ t: 'error', id: expect.any(Number), code: 'INTERNAL', message: 'Internal error' });
    }
    expect(logged).toEqual([
      'notes/save: boom',
      'hooks.ws handleError (while handling an error in notes/save): sentry is down',
      'notes/save: boom',
      'hooks.ws handleError (while handling an error in notes/save): sentry timed out',
      'notes/save: boom',
      'hooks.ws handleError (while handling an error in notes/save): handleError returned number; return { message: string, ...fields } or nothing'
    ]);
    // The connection and the server keep working.
    expect(await client.call('notes/save')).toMatchObject({ code: 'INTERNAL' });
  });

  it('that returns nothing leaves the default: the generic message in production, the error in dev', async () => {
    const seen: string[] = [];
    const handleError: HandleError = ({ error }) => void seen.push((error as Error).message);
    const notes = {
      save: live(() => {
        throw new Error('secret detail');
      })
    };
    await servers.start({ modules: [module('notes', notes)], hooks: { handleError }, options: { dev: false } });
    const client = await servers.connect();
    expect(await client.call('notes/save')).toEqual({ t: 'error', id: 1, code: 'INTERNAL', message: 'Internal error' });
    expect(seen).toEqual(['secret detail']);
  });
});
