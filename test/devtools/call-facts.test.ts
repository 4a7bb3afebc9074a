/**
 * What the overlay is told about each call, from a real server: its own bytes as sent (not its
 * frame's, not a devalue size for a JSON reply), whether it is the runtime's own traffic (a
 * room's cursor move), and what a replay of a failing call answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DevtoolsChannel } from '../../plugin/devtools/channel.js';
import { toServerEvents } from '../../plugin/devtools/events.js';
import { live, LiveError } from '../../runtime/server/index.js';
import { CURSOR_ACTION } from '../../runtime/protocol.js';
import { CURSOR_MOVE_ACTION, isInternalTopic } from '../../runtime/devtools-wire/internal-traffic.js';
import { signalTopic } from '../../runtime/server/signals.js';
import { serverState } from '../../plugin/devtools/snapshot.js';
import { BinaryFrameType, encodeBinaryFrame, type ClientMessage } from '../../runtime/protocol.js';
import type { ChannelMessage, ServerEvent } from '../../runtime/devtools-wire/messages.js';
import type { TelemetryEvent } from '../../runtime/server/telemetry.js';
import { EventStore } from '../../devtools-ui/data/event-store.js';
import { module, startServer, TestClient, waitFor, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.close();
  server = undefined;
});

const board = live.room({ init: async () => [] as { id: string }[], actions: { add: async () => 'added' } });

async function setup() {
  server = await startServer({
    modules: [
      module('m', {
        echo: live((_ctx, value: unknown) => value),
        when: live(() => new Date(0)),
        refuse: live(() => {
          throw new LiveError('NOPE', 'Refused on purpose');
        }),
        upload: live.binary((_ctx, data: Uint8Array) => data.slice(0, 3)),
        board
      })
    ]
  });
  const calls: Extract<ServerEvent, { type: 'call' }>[] = [];
  let n = 0;
  const stop = server.runtime.telemetry.listen((event: TelemetryEvent) => {
    if (event.type === 'call') calls.push(toServerEvents([{ n: ++n, time: Date.now(), event }])[0] as Extract<ServerEvent, { type: 'call' }>);
  });
  cleanups.push(stop);
  const client = await TestClient.connect(server.url);
  cleanups.push(() => client.close());
  return { calls, client };
}

const jsonBytes = (message: unknown) => Buffer.byteLength(JSON.stringify(message));

describe("a call's bytes, as the overlay shows them", () => {
  it('charges each call in a shared frame its own message, and a JSON reply its JSON size', async () => {
    const { calls, client } = await setup();
    const short: ClientMessage = { t: 'call', id: 1, path: 'm/echo', args: ['a'] };
    const long: ClientMessage = { t: 'call', id: 2, path: 'm/echo', args: ['b'.repeat(500)] };
    client.send(short, long); // one frame, two calls
    await waitFor(() => calls.length === 2, 'both calls');
    const byId = new Map(calls.map((c) => [c.id, c]));
    expect(byId.get(1)!.bytesIn).toBe(jsonBytes(short));
    expect(byId.get(2)!.bytesIn).toBe(jsonBytes(long));
    expect(byId.get(1)!.bytesOut).toBe(jsonBytes({ t: 'result', id: 1, data: 'a' }));
    expect(byId.get(2)!.bytesOut).toBe(jsonBytes({ t: 'result', id: 2, data: 'b'.repeat(500) }));
  });

  it('counts a rich reply as devalue sends it, an error as its error message, and a binary call by its frames', async () => {
    const { calls, client } = await setup();
    await client.call('m/when');
    await client.call('m/refuse');
    const payload = new Uint8Array(100);
    const frame = encodeBinaryFrame({ type: BinaryFrameType.call, id: 50, path: 'm/upload', argsText: '', payload });
    client.sendRaw(Buffer.from(frame));
    await waitFor(() => calls.length === 3, 'three calls');
    const [when, refuse, upload] = calls;
    expect(when!.bytesOut).toBeGreaterThan(jsonBytes({ t: 'result', id: 1, data: '1970-01-01T00:00:00.000Z' }) - 20);
    expect(refuse!.ok).toBe(false);
    expect(refuse!.bytesOut).toBeGreaterThanOrEqual(jsonBytes({ t: 'error', id: 2, code: 'NOPE', message: 'Refused on purpose' }));
    expect(upload!.bytesIn).toBe(frame.length);
    expect(upload!.bytesOut).toBe(16 + 3); // a binary result frame: header and three bytes
    expect(upload!.args).toMatchObject({ t: 'array', items: [{ t: 'object', name: 'BinaryPayload', entries: [['bytes', { t: 'num', v: '100' }]] }] });
  });
});

describe('internal traffic', () => {
  it("marks a room's cursor moves as internal, and the overlay leaves them out of the call list unless asked", async () => {
    expect(CURSOR_MOVE_ACTION).toBe(CURSOR_ACTION);
    const { calls, client } = await setup();
    await client.call('m/board', 'r1', 'add');
    await client.call('m/board', 'r1', CURSOR_ACTION, { x: 1, y: 2 });
    await waitFor(() => calls.length === 2, 'both calls');
    expect(calls[0]!.internal).toBeUndefined();
    expect(calls[1]!.internal).toBe(true);

    const store = new EventStore();
    store.ingest(calls);
    expect(store.callList().map((c) => c.id)).toEqual([calls[0]!.id]);
    expect(store.callList({ internal: true })).toHaveLength(2);
    expect(store.counts().internal).toBe(1);
  });
});

describe('replaying a call that fails', () => {
  it('answers the error the call failed with again, not the error message as a value', async () => {
    const { client } = await setup();
    const channel = new DevtoolsChannel(() => server!.runtime, { batchMs: 20 });
    cleanups.push(() => channel.close());
    const sent: ChannelMessage[] = [];
    const overlay = { send: (message: ChannelMessage) => void sent.push(message) };
    channel.connect(overlay, true);
    const failed = await client.call('m/refuse');
    expect(failed).toMatchObject({ t: 'error', code: 'NOPE' });
    const original = await waitFor(() => {
      channel.flush();
      for (const m of sent) if (m.type === 'events') for (const e of m.events) if (e.type === 'call' && e.path === 'm/refuse') return e;
      return undefined;
    }, 'the failed call');

    channel.receive(overlay, { type: 'action', ref: 7, secret: channel.secret, action: 'replay', connection: original.connection, id: original.id }, { trusted: true });
    const reply = await waitFor(() => sent.find((m) => m.type === 'reply' && m.ref === 7), 'the reply');
    expect(reply).toMatchObject({ ok: true, error: { code: 'NOPE', message: 'Refused on purpose' } });
    expect(reply).not.toHaveProperty('value');
  });
});

describe('internal topics', () => {
  it("leaves every connection's signal topics out of the topic list, and keeps the app's", async () => {
    expect(isInternalTopic(signalTopic({ connectionId: 'c1' }))).toBe(true);
    expect(isInternalTopic(signalTopic('u1'))).toBe(true);
    const { client } = await setup();
    await client.call('m/echo', 1);
    server!.runtime.publish('app-topic', 'x', 1);
    const topics = serverState(server!.runtime, null).topics.map((t) => t.topic);
    expect(topics.some(isInternalTopic)).toBe(false);
    expect(server!.runtime.topics.list().some((t) => isInternalTopic(t.topic))).toBe(true);
  });
});
