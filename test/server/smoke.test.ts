import { afterEach, describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/handlers.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => server?.close());

describe('harness', () => {
  it('round-trips a call over a real socket', async () => {
    server = await startServer({ modules: [module('math', { add: live((_ctx, a: number, b: number) => a + b) })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('math/add', 2, 3)).toMatchObject({ t: 'result', data: 5 });
    client.close();
  });
});
