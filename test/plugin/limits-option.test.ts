/**
 * `realtime({ limits })`: validated with a message that names the bad key, carried into the
 * server registry (preview and production), and applied by the runtime; `REALTIME_LIMITS`
 * tunes a built server without a rebuild.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateRegistry } from '../../plugin/generate.js';
import { RealtimeOptionsError, resolveOptions } from '../../plugin/options.js';
import { live } from '../../runtime/server/index.js';
import { DEFAULT_LIMITS, limitsFromEnvironment } from '../../runtime/server/limits.js';
import { Runtime } from '../../runtime/server/runtime.js';
import { module, startServer, TestClient, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const saved = process.env.REALTIME_LIMITS;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (saved === undefined) delete process.env.REALTIME_LIMITS;
  else process.env.REALTIME_LIMITS = saved;
});

describe('realtime({ limits })', () => {
  it('keeps the limits the app set, and none when it set none', () => {
    expect(resolveOptions({ limits: { maxSubscriptions: 1024, maxConnections: 50_000 } }).limits).toEqual({ maxSubscriptions: 1024, maxConnections: 50_000 });
    expect(resolveOptions({}).limits).toBeUndefined();
  });

  it('refuses an unknown limit, naming it and listing the known ones', () => {
    expect(() => resolveOptions({ limits: { maxSubscription: 10 } })).toThrow(RealtimeOptionsError);
    expect(() => resolveOptions({ limits: { maxSubscription: 10 } })).toThrow(/unknown limit "maxSubscription" in limits; the limits are maxFrameBytes, .*maxSubscriptions/);
  });

  it('refuses a value that is not a positive whole number, naming the key and its default', () => {
    expect(() => resolveOptions({ limits: { maxInFlight: 0 } })).toThrow(`limits.maxInFlight must be a positive whole number, e.g. ${DEFAULT_LIMITS.maxInFlight} (its default); got 0`);
    expect(() => resolveOptions({ limits: { maxFrameBytes: '2MB' } })).toThrow(/limits\.maxFrameBytes must be a positive whole number/);
    expect(() => resolveOptions({ limits: { maxDepth: 1.5 } })).toThrow(/limits\.maxDepth/);
    expect(() => resolveOptions({ limits: [] })).toThrow(/limits must be an object of limits/);
  });

  it('reaches the server registry, which the preview and production servers load', () => {
    const code = generateRegistry({ modules: [], dev: false, origins: [], limits: { maxSubscriptions: 1024 } });
    expect(code).toContain('options: { dev: false, origins: [], limits: {"maxSubscriptions":1024} }');
  });

  it('is applied by the runtime: 300 streams on one connection, past the default 256', async () => {
    const room = live.stream((_ctx, id: number) => `room:${id}`, () => [] as unknown[]);
    server = await startServer({ modules: [module('app', { room })], options: { limits: { maxSubscriptions: 300 } } });
    const client = await TestClient.connect(server.url);
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => client.subscribe('app/room', [i])));
    expect(answers.every((m) => m.t === 'snapshot')).toBe(true);
    expect(await client.subscribe('app/room', [300])).toMatchObject({ t: 'error', code: 'LIMIT' });
    client.close();
  });
});

describe('REALTIME_LIMITS', () => {
  it('overrides realtime({ limits }) key by key when the modules load', () => {
    process.env.REALTIME_LIMITS = '{"maxConnections":20000}';
    const runtime = new Runtime();
    runtime.load({ modules: [], options: { limits: { maxConnections: 5, maxSubscriptions: 1024 } } });
    expect(runtime.limits).toMatchObject({ maxConnections: 20_000, maxSubscriptions: 1024, maxInFlight: DEFAULT_LIMITS.maxInFlight });
    runtime.close();
  });

  it('refuses what is not JSON, or a bad key, naming the variable and the key', () => {
    expect(() => limitsFromEnvironment('maxConnections=5')).toThrow(/REALTIME_LIMITS must be JSON such as \{"maxConnections":20000\}/);
    expect(() => limitsFromEnvironment('{"maxConection":5}')).toThrow(/unknown limit "maxConection".*\(in REALTIME_LIMITS\)/);
    expect(() => limitsFromEnvironment('{"maxConnections":-1}')).toThrow(/limits\.maxConnections must be a positive integer; got -1 \(in REALTIME_LIMITS\)/);
    expect(limitsFromEnvironment(undefined)).toEqual({});
  });
});
