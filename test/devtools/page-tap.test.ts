/**
 * The overlay's view of this page's own socket: the real client runtime, tapped the way the
 * dev plugin taps it, against a real server.
 */
import { describe, expect, it } from 'vitest';
import { watchPageSockets, type PageTap } from '../../devtools-ui/data/page-tap.js';
import { TAP_INSTALL_CODE, TAP_KEY } from '../../runtime/devtools-wire/tap.js';
import type { EventStore } from '../../devtools-ui/data/event-store.js';
import { live, LiveError } from '../../runtime/server/index.js';
import { clientSocket, useClientTests } from '../helpers/client.js';
import { module, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
let tap: PageTap | undefined;
const cleanups = useClientTests(async () => {
  tap?.stop();
  tap = undefined;
  delete (globalThis as Record<symbol, unknown>)[TAP_KEY];
  await server?.close();
  server = undefined;
});

/** Records what the tap reports, in order. */
function recorder() {
  const seen: string[] = [];
  const store = {
    pageStatus: () => {},
    pageCall: (id: number, path: string) => seen.push(`call ${id} ${path}`),
    pageReply: (id: number, ok: boolean) => seen.push(`reply ${id} ${ok ? 'ok' : 'error'}`),
    pageTopic: (topic: string) => seen.push(`topic ${topic}`),
    pageUpdate: (topic: string, seq: number, event: string) => seen.push(`update ${topic} ${seq} ${event}`)
  };
  return { seen, store: store as unknown as EventStore };
}

describe('page tap', () => {
  it("reports this page's calls with their paths, and their answers, without changing what the calls return", async () => {
    server = await startServer({
      modules: [
        module('m', {
          twice: live((_ctx, n: number) => n * 2),
          refuse: live(() => {
            throw new LiveError('NOPE', 'refused');
          })
        })
      ]
    });
    (0, eval)(TAP_INSTALL_CODE);
    const socket = clientSocket(server.url);
    cleanups.push(() => socket['ws']?.close());
    const { seen, store } = recorder();
    tap = watchPageSockets(store);

    expect(await socket.call('m/twice', [21])).toBe(42);
    await expect(socket.call('m/refuse', [])).rejects.toMatchObject({ code: 'NOPE' });
    expect(seen).toEqual(['call 1 m/twice', 'reply 1 ok', 'call 2 m/refuse', 'reply 2 error']);
  });
});
