/**
 * "Copy as test" and session files: a copied test is valid TypeScript that makes the same call
 * as the same user and asserts the answer seen (values rebuilt exactly from their previews, or
 * asserted loosely when a preview lost part of one); a session exported and imported shows the
 * same calls, and a file that is not one is refused with a typed error that says what to do.
 */
import { describe, expect, it } from 'vitest';
import { parseSync } from 'oxc-parser';
import { EventStore, type CallRecord } from '../../devtools-ui/data/event-store.js';
import { previewSource, testSource } from '../../devtools-ui/data/test-source.js';
import { exportSession, importSession, readSession, SessionFileError } from '../../devtools-ui/data/session-file.js';
import { preview } from '../../runtime/devtools-wire/preview.js';
import type { ServerEvent } from '../../runtime/devtools-wire/messages.js';

const rebuild = (value: unknown) => {
  const source = previewSource(preview(value));
  return source === undefined ? undefined : (0, eval)(`(${source})`);
};

const record = (extra: Partial<CallRecord> = {}): CallRecord => ({
  key: 'c1/4',
  connection: 'c1',
  id: 4,
  path: 'admin/users/rename',
  time: Date.UTC(2026, 11, 1),
  status: 'ok',
  duration: 2,
  args: preview(['u1', { name: 'Ada', tags: new Set(['x']) }]),
  result: preview({ id: 'u1', name: 'Ada', at: new Date(0) }),
  mine: true,
  internal: false,
  ...extra
});

function parses(source: string): void {
  const { errors } = parseSync('copied.test.ts', source, { lang: 'ts', sourceType: 'module' });
  expect(errors).toEqual([]);
}

describe('previews as source', () => {
  it('rebuilds plain and rich values exactly', () => {
    const value = { n: 1, neg: -0, big: 10n, s: 'a"b', when: new Date(5), list: [1, [2]], set: new Set([1]), map: new Map([['k', { v: null }]]), bytes: new Uint8Array([1, 2]), 'odd-key': true, nothing: undefined };
    expect(rebuild(value)).toEqual(value);
    expect(Object.is(rebuild(-0), -0)).toBe(true);
    expect(rebuild(Number.NaN)).toBeNaN();
  });

  it('gives up on what a preview cut short or cannot rebuild', () => {
    expect(rebuild('x'.repeat(3000))).toBeUndefined();
    expect(rebuild(Array.from({ length: 200 }, (_, i) => i))).toBeUndefined();
    expect(rebuild(() => 1)).toBeUndefined();
    expect(rebuild(new (class Point { x = 1; })())).toBeUndefined();
  });
});

describe('copy as test', () => {
  it('writes a test that makes the same call as the same user and asserts the result seen', () => {
    const source = testSource({ call: record(), user: preview({ id: '1', name: 'Ada' }) });
    parses(source);
    expect(source).toContain(`import * as users from '../src/live/admin/users';`);
    expect(source).toContain(`const client = await server.connect({ user: { id: "1", name: "Ada" } });`);
    expect(source).toContain(`const result = await client.live(users).rename("u1", { name: "Ada", tags: new Set(["x"]) });`);
    expect(source).toContain(`expect(result).toEqual({ id: "u1", name: "Ada", at: new Date("1970-01-01T00:00:00.000Z") });`);
  });

  it('asserts the error of a failed call, connects a guest when there was no user, and says what it could not copy', () => {
    const failed = testSource({ call: record({ status: 'error', result: undefined, error: { code: 'FORBIDDEN', message: 'Admins only' } }), user: preview(null) });
    parses(failed);
    expect(failed).toContain('const client = await server.connect(); // a guest');
    expect(failed).toContain(`await expect(client.live(users).rename("u1", { name: "Ada", tags: new Set(["x"]) })).rejects.toMatchObject({ code: "FORBIDDEN", message: "Admins only" });`);

    const large = testSource({ call: record({ args: preview(['x'.repeat(3000)]), result: preview(() => 1) }), user: undefined });
    parses(large);
    expect(large).toContain('/* the arguments were too large to copy: fill them in */');
    expect(large).toContain('expect(result).toBeDefined(); // the result was too large or rich to copy');
  });
});

describe('session files', () => {
  const call = (id: number, ok: boolean): ServerEvent => ({
    n: id,
    time: 1000 + id,
    type: 'call',
    connection: 'c1',
    id,
    path: 'a/b',
    duration: 1,
    ok,
    args: preview([id]),
    result: ok ? preview(id) : undefined,
    error: ok ? undefined : { code: 'NOPE', message: 'no' },
    bytesIn: 10,
    bytesOut: 10
  });

  it('round-trips what the overlay kept', () => {
    const store = new EventStore();
    store.ingest([call(1, true), call(2, false), { n: 3, time: 1003, type: 'publish', topic: 't', event: 'created', seq: 1, delivered: 1, data: preview(1), cause: { connection: 'c1', id: 1 } }]);
    const text = JSON.stringify(exportSession(store, 'http://localhost:5173/'));
    const loaded = new EventStore();
    importSession(loaded, text);
    expect(loaded.callList()).toEqual(store.callList());
    expect(loaded.trace('c1/1')!.publishes).toHaveLength(1);
    expect(loaded.counts()).toMatchObject({ calls: 2, errors: 1 });
  });

  it('refuses what is not a session, with a code and what to do', () => {
    const refusal = (text: string) => {
      try {
        readSession(text);
      } catch (error) {
        expect(error).toBeInstanceOf(SessionFileError);
        return { code: (error as SessionFileError).code, message: (error as Error).message };
      }
      throw new Error('accepted');
    };
    expect(refusal('{oops')).toEqual({ code: 'NOT_JSON', message: expect.stringContaining('choose a file saved with Export') });
    expect(refusal('{"calls":[]}')).toMatchObject({ code: 'NOT_A_SESSION' });
    expect(refusal('{"format":"svelte-realtime-devtools-session","version":9}')).toMatchObject({ code: 'NEWER_VERSION', message: expect.stringContaining('Update svelte-realtime') });
    const empty = { format: 'svelte-realtime-devtools-session', version: 1, calls: [], publishes: [], connectionEvents: [], cron: [], reloads: [], effects: [], pageUpdates: [] };
    expect(refusal(JSON.stringify({ ...empty, calls: 'x' }))).toMatchObject({ code: 'MALFORMED' });
    expect(refusal(JSON.stringify({ ...empty, calls: [{ key: 1 }] }))).toMatchObject({ code: 'MALFORMED' });
    expect(refusal(JSON.stringify({ ...empty, publishes: [{ topic: 't' }] }))).toMatchObject({ code: 'MALFORMED' });
    expect(readSession(JSON.stringify(empty)).calls).toEqual([]);
  });
});
