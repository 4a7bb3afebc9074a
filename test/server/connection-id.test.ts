/**
 * A connection's id has one name, `connectionId`, in a handler's ctx and in the open and close
 * hooks; the old name `connection` stays as a deprecated alias carrying the same id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/index.js';
import type { LoadEvent } from '../../runtime/ssr-contract.js';
import { module, startServer, TestClient, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ids = { ids: live((ctx) => ({ connectionId: ctx.connectionId, alias: ctx.connection })) };

describe('connectionId', () => {
  it('is the server connection id in ctx, with ctx.connection as the same id', async () => {
    server = await startServer({ modules: [module('me', ids)] });
    const client = await TestClient.connect(server.url);
    const { data } = (await client.call('me/ids')) as { data: { connectionId: string; alias: string } };
    expect(server.runtime.connections.has(data.connectionId)).toBe(true);
    expect(data.alias).toBe(data.connectionId);
    client.close();
  });

  it('is what the open and close hooks receive, under both names', async () => {
    const seen: string[] = [];
    server = await startServer({
      modules: [module('me', ids)],
      hooks: {
        open: (info) => void seen.push(`open ${info.connectionId} ${info.connection}`),
        close: (info) => void seen.push(`close ${info.connectionId} ${info.connection}`)
      }
    });
    const client = await TestClient.connect(server.url);
    const { data } = (await client.call('me/ids')) as { data: { connectionId: string } };
    client.close();
    await waitFor(() => seen.length === 2, 'close hook');
    const id = data.connectionId;
    expect(seen).toEqual([`open ${id} ${id}`, `close ${id} ${id}`]);
  });

  it('names a server-rendering call too', async () => {
    server = await startServer({ modules: [module('me', ids)] });
    const url = new URL('http://127.0.0.1/page');
    const event: LoadEvent = { request: new Request(url), url, cookies: { get: () => undefined, getAll: () => [] }, getClientAddress: () => '127.0.0.1' };
    const result = (await server.runtime.ssrCall('me/ids', [], event)) as { connectionId: string; alias: string };
    expect(result.connectionId).toMatch(/^ssr:/);
    expect(result.alias).toBe(result.connectionId);
  });
});
