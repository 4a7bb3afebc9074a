import { afterEach, describe, expect, it } from 'vitest';
import { guard, live } from '../../runtime/server/handlers.js';
import { LiveError } from '../../runtime/server/errors.js';
import { SlidingWindow } from '../../runtime/server/kinds/rate-limit.js';
import * as v from 'valibot';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => server?.close());

const ping = () => live.rateLimit({ points: 3, window: 60_000 }, (_ctx, n: number) => n);

describe('live.rateLimit over the wire', () => {
  it('refuses the call past the limit with RATE_LIMITED and retryAfter, per connection', async () => {
    server = await startServer({ modules: [module('api', { ping: ping() })] });
    const a = await TestClient.connect(server.url);
    const b = await TestClient.connect(server.url);
    for (let i = 0; i < 3; i++) expect(await a.call('api/ping', i)).toMatchObject({ t: 'result', data: i });
    const refused = await a.call('api/ping', 4);
    expect(refused).toMatchObject({ t: 'error', code: 'RATE_LIMITED' });
    const { retryAfter } = (refused as { details: { retryAfter: number } }).details;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60_000);
    // Another anonymous connection has its own window.
    expect(await b.call('api/ping', 1)).toMatchObject({ t: 'result', data: 1 });
    a.close();
    b.close();
  });

  it('counts every connection of one user together', async () => {
    server = await startServer({
      modules: [module('api', { ping: ping() })],
      hooks: { upgrade: ({ request }) => ({ id: request.headers.get('x-user') ?? 'nobody' }) as never }
    });
    const tab1 = await TestClient.connect(server.url, { headers: { 'x-user': 'ann' } });
    const tab2 = await TestClient.connect(server.url, { headers: { 'x-user': 'ann' } });
    const bob = await TestClient.connect(server.url, { headers: { 'x-user': 'bob' } });
    expect(await tab1.call('api/ping', 1)).toMatchObject({ t: 'result' });
    expect(await tab2.call('api/ping', 2)).toMatchObject({ t: 'result' });
    expect(await tab1.call('api/ping', 3)).toMatchObject({ t: 'result' });
    expect(await tab2.call('api/ping', 4)).toMatchObject({ t: 'error', code: 'RATE_LIMITED' });
    expect(await bob.call('api/ping', 5)).toMatchObject({ t: 'result' });
    for (const c of [tab1, tab2, bob]) c.close();
  });

  it('wraps a validated handler: the limit counts first, then the input is checked', async () => {
    const rename = live.rateLimit({ points: 1, window: 60_000 }, live.validated(v.string(), (_ctx, s) => s.toUpperCase()));
    server = await startServer({ modules: [module('api', { rename })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('api/rename', 'a')).toMatchObject({ t: 'result', data: 'A' });
    expect(await client.call('api/rename', 'b')).toMatchObject({ t: 'error', code: 'RATE_LIMITED' });
    client.close();
  });

  it("is refused by its module's guard without spending a point", async () => {
    let allowed = false;
    const auth = guard(() => {
      if (!allowed) throw new LiveError('UNAUTHORIZED', 'Log in first');
    });
    server = await startServer({ modules: [module('api', { auth, ping: live.rateLimit({ points: 1, window: 60_000 }, () => 'ok') })] });
    const client = await TestClient.connect(server.url);
    expect(await client.call('api/ping')).toMatchObject({ t: 'error', code: 'UNAUTHORIZED' });
    expect(await client.call('api/ping')).toMatchObject({ t: 'error', code: 'UNAUTHORIZED' });
    allowed = true;
    expect(await client.call('api/ping')).toMatchObject({ t: 'result', data: 'ok' });
    client.close();
  });

  it("with key: 'address', a guest who reconnects keeps the count of their address", async () => {
    const saved = process.env.ADDRESS_HEADER;
    process.env.ADDRESS_HEADER = 'x-real-ip';
    try {
      server = await startServer({ modules: [module('api', { ping: live.rateLimit({ points: 2, window: 60_000, key: 'address' }, (_ctx, n: number) => n) })] });
      const first = await TestClient.connect(server.url, { headers: { 'x-real-ip': '203.0.113.9' } });
      expect(await first.call('api/ping', 1)).toMatchObject({ t: 'result' });
      expect(await first.call('api/ping', 2)).toMatchObject({ t: 'result' });
      first.close();
      const again = await TestClient.connect(server.url, { headers: { 'x-real-ip': '203.0.113.9' } });
      expect(await again.call('api/ping', 3)).toMatchObject({ t: 'error', code: 'RATE_LIMITED' });
      const elsewhere = await TestClient.connect(server.url, { headers: { 'x-real-ip': '198.51.100.4' } });
      expect(await elsewhere.call('api/ping', 4)).toMatchObject({ t: 'result' });
      again.close();
      elsewhere.close();
    } finally {
      if (saved === undefined) delete process.env.ADDRESS_HEADER;
      else process.env.ADDRESS_HEADER = saved;
    }
  });

  it('refuses bad options when the module loads', () => {
    expect(() => live.rateLimit({ points: 1, window: 1000, key: 'adress' as 'address' }, () => 1)).toThrow(/key must be 'address' or a function/);
    expect(() => live.rateLimit({ points: 0, window: 1000 }, () => 1)).toThrow(/points must be a positive integer/);
    expect(() => live.rateLimit({ points: 1, window: -1 }, () => 1)).toThrow(/window must be a positive number/);
  });
});

describe('SlidingWindow', () => {
  it('slides: a call fits again once the oldest one leaves the window', () => {
    let now = 1_000;
    const window = new SlidingWindow(2, 100, () => now);
    expect(window.take('k')).toBe(0);
    now = 1_050;
    expect(window.take('k')).toBe(0);
    now = 1_060;
    expect(window.take('k')).toBe(40); // the first call leaves the window at 1100
    now = 1_100;
    expect(window.take('k')).toBe(0);
    expect(window.take('k')).toBe(50); // the second call (1050) leaves at 1150
  });

  it('forgets keys idle for a whole window, so memory follows the recent callers', () => {
    let now = 0;
    const window = new SlidingWindow(5, 100, () => now);
    for (let i = 0; i < 10_000; i++) window.take(`caller-${i}`);
    expect(window.size).toBe(10_000);
    now = 250;
    window.take('latest');
    expect(window.size).toBe(1);
  });
});
