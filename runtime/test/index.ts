/**
 * svelte-realtime/test: unit tests of live modules in vitest, with no browser and no Vite dev
 * server. The app's real modules and hooks run in a real server on 127.0.0.1; each test user
 * is a real client socket, so guards, validation, rate limits and `handle` apply as in
 * production.
 *
 *   const server = await createTestServer({ modules: import.meta.glob('/src/live/**\/*.ts', { eager: true }), hooks });
 *   const alice = await server.connect({ user: { id: 'a', name: 'Alice' } });
 *   const { sendMessage, messages } = alice.live(chat);
 */
import { TestServer, type TestServerOptions } from './server.js';

export { TestServer, type TestServerOptions, type ConnectOptions, type PublishRecord } from './server.js';
export { TestClient } from './client.js';
export { TestKitError, type TestKitErrorCode } from './errors.js';
export type { TestStore, Watched, WaitOptions } from './watch.js';
export type { TestModule, Testable } from './types.js';
export type { ModuleSource } from './modules.js';
export { RpcError } from '../client/rpc-error.js';

/** Loads the app's live modules (and hooks) and starts a server for this test; `close()` it after. */
export function createTestServer(options: TestServerOptions): Promise<TestServer> {
  return TestServer.start(options);
}
