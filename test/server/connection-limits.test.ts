/**
 * Connection limits: in all (503) and per client address (429), refused at the upgrade before
 * any hook runs. The address is the socket's, unless the app says a proxy names the client in
 * a header (adapter-node's ADDRESS_HEADER and XFF_DEPTH).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { live } from '../../runtime/server/index.js';
import { module, startServer, TestClient, upgradeStatus, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const clients: TestClient[] = [];
const saved = { ADDRESS_HEADER: process.env.ADDRESS_HEADER, XFF_DEPTH: process.env.XFF_DEPTH };

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function start(limits: Record<string, number>, upgrades?: () => void): Promise<TestServer> {
  server = await startServer({
    modules: [module('app', { where: live((ctx) => ctx.address) })],
    hooks: upgrades ? { upgrade: () => void upgrades() } : {},
    options: { limits }
  });
  return server;
}

async function connect(url: string, headers?: Record<string, string>): Promise<TestClient> {
  const client = await TestClient.connect(url, { headers });
  clients.push(client);
  return client;
}

describe('maxConnections', () => {
  it('refuses the upgrade past it with 503, before the upgrade hook, and takes one again once a socket closes', async () => {
    let upgrades = 0;
    const { url, runtime } = await start({ maxConnections: 3 }, () => upgrades++);
    for (let i = 0; i < 3; i++) await connect(url);
    expect(await upgradeStatus(url)).toBe(503);
    expect(upgrades).toBe(3);
    clients.pop()!.close();
    await waitFor(() => runtime.connections.size === 2, 'the socket closed');
    expect(await upgradeStatus(url)).toBe(101);
  });
});

describe('maxConnectionsPerAddress', () => {
  it('refuses a fourth socket from one address with 429, while another address is served', async () => {
    process.env.ADDRESS_HEADER = 'x-real-ip';
    const { url } = await start({ maxConnectionsPerAddress: 3 });
    for (let i = 0; i < 3; i++) await connect(url, { 'x-real-ip': '203.0.113.7' });
    expect(await upgradeStatus(url, { headers: { 'x-real-ip': '203.0.113.7' } })).toBe(429);
    const other = await connect(url, { 'x-real-ip': '198.51.100.2' });
    expect(await other.call('app/where')).toMatchObject({ data: '198.51.100.2' });
  });

  it('ignores X-Forwarded-For unless the app opts in: the socket address counts', async () => {
    const { url } = await start({ maxConnectionsPerAddress: 2 });
    const first = await connect(url, { 'x-forwarded-for': '203.0.113.1' });
    expect(await first.call('app/where')).toMatchObject({ data: '127.0.0.1' });
    await connect(url, { 'x-forwarded-for': '203.0.113.2' });
    expect(await upgradeStatus(url, { headers: { 'x-forwarded-for': '203.0.113.3' } })).toBe(429);
  });

  it('reads X-Forwarded-For at XFF_DEPTH from the right when ADDRESS_HEADER names it', async () => {
    process.env.ADDRESS_HEADER = 'X-Forwarded-For';
    process.env.XFF_DEPTH = '2';
    const { url } = await start({ maxConnectionsPerAddress: 1 });
    // What the client wrote, the client as the outer proxy saw it, the outer proxy.
    const client = await connect(url, { 'x-forwarded-for': '10.9.9.9, 203.0.113.5, 192.0.2.1' });
    expect(await client.call('app/where')).toMatchObject({ data: '203.0.113.5' });
    // The same client, lying differently in the part it controls: still the same address.
    expect(await upgradeStatus(url, { headers: { 'x-forwarded-for': '10.1.1.1, 203.0.113.5, 192.0.2.1' } })).toBe(429);
  });
});
