/**
 * Metrics for Prometheus: off by default (nothing counted, nothing served); turned on for the
 * production server by REALTIME_METRICS_TOKEN (served on the app's port behind a bearer token)
 * or REALTIME_METRICS_PORT (a listener of its own on 127.0.0.1), or in code by
 * `metricsRegistry()`. Labels a client can influence stay bounded.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { live, LiveError, metricsRegistry } from '../../runtime/server/index.js';
import { getRuntime, Runtime } from '../../runtime/server/runtime.js';
import { MAX_TOPIC_LABELS } from '../../runtime/server/metrics.js';
import { module, serverPerTest, TestClient, upgradeStatus, waitFor } from '../helpers/server.js';

const servers = serverPerTest();
const TOKEN = 'test-token-0123456789abcdef';

afterEach(() => {
  delete process.env.REALTIME_METRICS_TOKEN;
  delete process.env.REALTIME_METRICS_PORT;
});

const chat = {
  send: live((ctx, text: string) => {
    if (!text) throw new LiveError('EMPTY', 'Say something');
    ctx.publish('messages', 'created', { text });
    return text;
  }),
  messages: live.stream('messages', () => []),
  room: live.stream((_ctx, id: string) => `room:${id}`, () => []),
  shout: live((ctx, topic: string) => ctx.publish(topic, 'x', null))
};

/** A GET on the test server's port; `headers` as given. */
async function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string; auth?: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text(), auth: response.headers.get('www-authenticate') ?? undefined };
}

const bearer = { authorization: `Bearer ${TOKEN}` };

/** The value of one sample line (`name{labels} value`) in a Prometheus text. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('metrics', () => {
  it('are off by default: nothing is counted and the path is the app’s', async () => {
    const server = await servers.start({ modules: [module('chat', chat)] });
    const client = await servers.connect();
    await client.call('chat/send', 'hi');
    expect(server.runtime.metrics).toBeUndefined();
    // The test server's own handler answers every HTTP request with 404.
    expect((await get(server.port, '/__realtime/metrics', bearer)).status).toBe(404);
  });

  it('with REALTIME_METRICS_TOKEN: 401 without the token or with a wrong one, the app’s routes untouched', async () => {
    process.env.REALTIME_METRICS_TOKEN = TOKEN;
    const server = await servers.start({ modules: [module('chat', chat)] });
    const anonymous = await get(server.port, '/__realtime/metrics');
    expect(anonymous).toMatchObject({ status: 401, auth: 'Bearer', body: 'Send Authorization: Bearer <REALTIME_METRICS_TOKEN>' });
    expect((await get(server.port, '/__realtime/metrics', { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await get(server.port, '/__realtime/metrics', { authorization: TOKEN })).status).toBe(401);
    expect((await get(server.port, '/somewhere/else', bearer)).status).toBe(404);
    const ok = await get(server.port, '/__realtime/metrics?x=1', bearer);
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('count connections, calls by path and code, durations, publishes, subscribers, resumes, disconnects and refusals', async () => {
    process.env.REALTIME_METRICS_TOKEN = TOKEN;
    const server = await servers.start({ modules: [module('chat', chat)] });
    const alice = await servers.connect();
    const bob = await servers.connect();
    expect(await alice.call('chat/send', 'one')).toMatchObject({ t: 'result' });
    expect(await alice.call('chat/send', 'two')).toMatchObject({ t: 'result' });
    expect(await alice.call('chat/send', '')).toMatchObject({ code: 'EMPTY' });
    expect(await alice.call('chat/nope')).toMatchObject({ code: 'UNKNOWN_PATH' });
    const sub = await bob.subscribe('chat/messages');
    await alice.subscribe('chat/messages');
    await bob.subscribe('chat/room', ['lobby']);
    // A reconnecting client resumes from where it was.
    const position = (sub as unknown as { position: { epoch: string; seq: number } }).position;
    const again = await servers.connect();
    expect(await again.subscribe('chat/messages', [], position)).toMatchObject({ t: 'resumed' });
    again.close();
    await again.closed;
    expect(await upgradeStatus(server.url, { origin: 'https://elsewhere.example' })).toBe(101);

    const text = (await get(server.port, '/__realtime/metrics', bearer)).body;
    expect(sample(text, 'realtime_connections')).toBe(2);
    expect(sample(text, 'realtime_connections_opened_total')).toBe(3);
    expect(sample(text, 'realtime_disconnects_total{code="1005"}')).toBe(1);
    expect(sample(text, 'realtime_upgrades_refused_total{reason="origin"}')).toBe(1);
    expect(sample(text, 'realtime_calls_total{path="chat/send",code="ok"}')).toBe(2);
    expect(sample(text, 'realtime_calls_total{path="chat/send",code="EMPTY"}')).toBe(1);
    expect(sample(text, 'realtime_calls_total{path="(unknown)",code="UNKNOWN_PATH"}')).toBe(1);
    expect(sample(text, 'realtime_call_duration_seconds_bucket{le="+Inf",path="chat/send"}')).toBe(3);
    expect(sample(text, 'realtime_call_duration_seconds_count{path="chat/send"}')).toBe(3);
    expect(sample(text, 'realtime_call_duration_seconds_bucket{le="10",path="chat/send"}')).toBe(3);
    expect(sample(text, 'realtime_call_duration_seconds_sum{path="chat/send"}')).toBeGreaterThan(0);
    expect(sample(text, 'realtime_publishes_total{topic="messages"}')).toBe(2);
    expect(sample(text, 'realtime_subscribers{topic="messages"}')).toBe(2);
    expect(sample(text, 'realtime_subscribers{topic="room:lobby"}')).toBe(1);
    expect(sample(text, 'realtime_resumes_total{outcome="replayed"}')).toBe(1);
    expect(sample(text, 'realtime_buffered_bytes')).toBe(0);
    expect(text).toContain('# TYPE realtime_call_duration_seconds histogram');
    expect(text).toContain('# TYPE realtime_calls_total counter');
  });

  it('keep topic and path labels bounded, whatever names clients make up', async () => {
    process.env.REALTIME_METRICS_TOKEN = TOKEN;
    const server = await servers.start({ modules: [module('chat', chat)] });
    const client = await servers.connect();
    for (let i = 0; i < MAX_TOPIC_LABELS + 50; i++) client.send({ t: 'call', id: client.id(), path: 'chat/shout', args: [`made-up-${i}`] });
    for (let i = 0; i < 50; i++) client.send({ t: 'call', id: client.id(), path: `nowhere/${i}`, args: [] });
    // Calls are answered in order: this one's answer comes after all of the above.
    await client.call('chat/send', 'last');
    const text = (await get(server.port, '/__realtime/metrics', bearer)).body;
    const topics = text.split('\n').filter((l) => l.startsWith('realtime_publishes_total{'));
    // The first MAX_TOPIC_LABELS made-up topics, `messages` (declared by a module: always its own), and `(other)`.
    expect(topics).toHaveLength(MAX_TOPIC_LABELS + 2);
    expect(sample(text, 'realtime_publishes_total{topic="messages"}')).toBe(1);
    expect(sample(text, 'realtime_publishes_total{topic="(other)"}')).toBe(50);
    expect(sample(text, 'realtime_calls_total{path="(unknown)",code="UNKNOWN_PATH"}')).toBe(50);
    expect(text).not.toContain('nowhere/');
  });

  it('with REALTIME_METRICS_PORT: served at /metrics on 127.0.0.1, not on the app’s port', async () => {
    const port = await freePort();
    process.env.REALTIME_METRICS_PORT = String(port);
    const server = await servers.start({ modules: [module('chat', chat)] });
    await servers.connect();
    const own = await get(port, '/metrics');
    expect(own.status).toBe(200);
    expect(sample(own.body, 'realtime_connections')).toBe(1);
    expect((await get(port, '/other')).status).toBe(404);
    expect((await get(server.port, '/__realtime/metrics')).status).toBe(404);
  });

  it('say so in the log when REALTIME_METRICS_PORT is taken, and the app keeps serving', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      process.env.REALTIME_METRICS_PORT = String(port);
      const logged: string[] = [];
      const runtime = new Runtime();
      runtime.logError = (error, where) => void logged.push(`${where}: ${(error as NodeJS.ErrnoException).code}`);
      await servers.start({ modules: [module('chat', chat)] }, runtime);
      const client = await servers.connect();
      expect(await client.call('chat/send', 'still here')).toMatchObject({ t: 'result' });
      await waitFor(() => logged.length > 0, 'the log line');
      expect(logged).toEqual([`metrics: cannot listen on 127.0.0.1:${port} (EADDRINUSE); set REALTIME_METRICS_PORT to a free port: EADDRINUSE`]);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('refuse a bad REALTIME_METRICS_PORT or a short token at start-up, saying what to set', async () => {
    process.env.REALTIME_METRICS_PORT = 'ninety';
    await expect(servers.start({ modules: [module('chat', chat)] })).rejects.toThrow('REALTIME_METRICS_PORT must be a port number from 1 to 65535; got "ninety"');
    delete process.env.REALTIME_METRICS_PORT;
    process.env.REALTIME_METRICS_TOKEN = 'short';
    await expect(servers.start({ modules: [module('chat', chat)] })).rejects.toThrow('REALTIME_METRICS_TOKEN must be at least 16 characters');
  });

  it('metricsRegistry() turns counting on and hands a prom-client Registry to merge or serve', async () => {
    const runtime = getRuntime();
    const server = await servers.start({ modules: [module('chat', chat)] }, runtime);
    const registry = await metricsRegistry();
    expect(server.runtime.metrics).toBeDefined();
    const client = await TestClient.connect(server.url);
    await client.call('chat/send', 'hello');
    const text = await registry.metrics();
    expect(sample(text, 'realtime_calls_total{path="chat/send",code="ok"}')).toBe(1);
    expect(sample(text, 'realtime_connections')).toBe(1);
    expect(registry.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    client.close();
  });

  it('load prom-client only when turned on (the built package, in a process of its own)', async () => {
    // Whether a CommonJS package was loaded shows in require's cache, imported from ESM or not.
    const script = `
      import http from 'node:http';
      import { createRequire } from 'node:module';
      const { getRuntime } = await import('./dist/runtime/server/runtime.js');
      const { metricsRegistry } = await import('./dist/runtime/server/index.js');
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('prom-client'));
      const server = http.createServer();
      getRuntime().attach(server);
      const before = loaded();
      await metricsRegistry();
      console.log(JSON.stringify({ before, after: loaded() }));
      getRuntime().close();
    `;
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const env = { ...process.env, REALTIME_METRICS_TOKEN: '', REALTIME_METRICS_PORT: '' };
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env }, (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)))
    );
    expect(JSON.parse(output)).toEqual({ before: false, after: true });
  });
});
