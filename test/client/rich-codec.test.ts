/**
 * The browser client loads devalue only when a frame first needs it. This file starts with it
 * unloaded (each test file runs in a fresh module graph): frames that wait for it keep their
 * order, and Dates, Maps and BigInts cross the wire both ways.
 */
import { describe, expect, it } from 'vitest';
import { __room, __streamFactory } from '../../runtime/client/internal.js';
import { richCodec } from '../../runtime/client/rich-codec.js';
import { createStream } from '../../runtime/client/stream.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, until, useClientTests } from '../helpers/client.js';
import { module, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups = useClientTests(async () => {
  await server?.close();
  server = undefined;
});

describe('the rich-value codec in the browser', () => {
  it('is loaded by the first rich frame, which is read in order with the plain frames behind it', async () => {
    server = await startServer({ modules: [module('app', { log: live.stream('log', () => [], { merge: 'latest' }) })] });
    const socket = clientSocket(server.url);
    const log = createStream<unknown[]>(() => socket, 'app/log', []);
    cleanups.push(log.subscribe(() => {}));
    await until(log, (v) => Array.isArray(v));
    expect(richCodec()).toBeUndefined(); // plain frames so far

    // Published back to back: the first needs devalue, the next two are plain JSON.
    server.runtime.publish('log', 'entry', { at: new Date(86_400_000) });
    server.runtime.publish('log', 'entry', { n: 2 });
    server.runtime.publish('log', 'entry', { n: 3 });
    const value = await until(log, (v) => v!.length === 3);
    expect(value).toEqual([{ at: new Date(86_400_000) }, { n: 2 }, { n: 3 }]);
    expect(richCodec()).toBeDefined();
  });

  it('sends rich arguments and reads rich results', async () => {
    server = await startServer({ modules: [module('app', { echo: live((_ctx, ...args: unknown[]) => args) })] });
    const socket = clientSocket(server.url);
    const args = [new Date(0), new Map([['k', 1n]]), new Set([undefined])];
    expect(await socket.call('app/echo', args)).toEqual(args);
  });
});

describe('dynamic stream stores', () => {
  it('are shared for equal plain arguments and never for arguments JSON cannot carry', () => {
    const room = __streamFactory('app/room');
    expect(room('lobby', 1)).toBe(room('lobby', 1));
    expect(room('lobby', 1)).not.toBe(room('lobby', 2));
    expect(room(new Date(0))).not.toBe(room(new Date(0)));
  });

  it('give one room object, with its stores, per room id', () => {
    const board = __room('app/board') as (id: string) => { data: unknown; presence: unknown };
    expect(board('main')).toBe(board('main'));
    expect(board('main').presence).toBe(board('main').presence);
    expect(board('main')).not.toBe(board('other'));
  });
});
