/**
 * Time travel over this page's streams, on the real client runtime and a real server: the value
 * at each position is the snapshot folded with the events up to it by the stream's merge; a
 * rewind shows a past value in the page's store and holds newer events; resume catches up with
 * every event, none lost.
 */
import { describe, expect, it } from 'vitest';
import { EventStore } from '../../devtools-ui/data/event-store.js';
import { watchPageSockets, type PageTap } from '../../devtools-ui/data/page-tap.js';
import { diffPreviews, TIMELINE_EVENTS } from '../../devtools-ui/data/time-travel.js';
import { preview } from '../../runtime/devtools-wire/preview.js';
import { TAP_INSTALL_CODE, TAP_KEY } from '../../runtime/devtools-wire/tap.js';
import { createStream } from '../../runtime/client/stream.js';
import { live } from '../../runtime/server/index.js';
import { clientSocket, current, until, useClientTests } from '../helpers/client.js';
import { module, startServer, waitFor, type TestServer } from '../helpers/server.js';

type Todo = { id: number; text: string };

let server: TestServer | undefined;
let tap: PageTap | undefined;
const cleanups = useClientTests(async () => {
  tap?.stop();
  tap = undefined;
  delete (globalThis as Record<symbol, unknown>)[TAP_KEY];
  await server?.close();
  server = undefined;
});

async function setup() {
  server = await startServer({ modules: [module('m', { todos: live.stream('todos', async (): Promise<Todo[]> => [{ id: 0, text: 'first' }], { merge: 'crud', key: 'id' }) })] });
  (0, eval)(TAP_INSTALL_CODE);
  const socket = clientSocket(server.url);
  cleanups.push(() => socket['ws']?.close());
  tap = watchPageSockets(new EventStore());
  const todos = createStream<Todo[]>(() => socket, 'm/todos', []);
  const stop = todos.subscribe(() => {});
  cleanups.push(stop);
  await until(todos, (v) => Array.isArray(v) && v.length === 1, 'the snapshot');
  const publish = (event: string, data: unknown) => server!.runtime.publish('todos', event, data);
  return { todos, publish, travel: tap.travel };
}

describe('time travel over a topic', () => {
  it('shows the value at each position, folded by the merge, and what changed between two', async () => {
    const { todos, publish, travel } = await setup();
    publish('created', { id: 1, text: 'second' });
    publish('updated', { id: 0, text: 'first, edited' });
    publish('deleted', { id: 1 });
    await until(todos, (v) => v?.length === 1 && v[0]!.text === 'first, edited', 'three events');

    const positions = travel.positions('todos');
    expect(positions).toHaveLength(4);
    const [snapshot, created, updated, deleted] = positions as [number, number, number, number];
    expect(travel.valueAt('todos', snapshot)).toEqual([{ id: 0, text: 'first' }]);
    expect(travel.valueAt('todos', created)).toEqual([{ id: 0, text: 'first' }, { id: 1, text: 'second' }]);
    expect(travel.valueAt('todos', updated)).toEqual([{ id: 0, text: 'first, edited' }, { id: 1, text: 'second' }]);
    expect(travel.valueAt('todos', deleted)).toEqual(current(todos));
    expect(travel.eventAt('todos', created)).toMatchObject({ event: 'created' });
    expect(travel.eventAt('todos', snapshot)).toBeUndefined();
    expect(diffPreviews(preview(travel.valueAt('todos', created)), preview(travel.valueAt('todos', updated)))).toEqual([
      { path: '[0].text', before: { t: 'str', v: 'first' }, after: { t: 'str', v: 'first, edited' } }
    ]);
  });

  it("rewinds this page's store and holds newer events; resume catches up with every one", async () => {
    const { todos, publish, travel } = await setup();
    publish('created', { id: 1, text: 'second' });
    await until(todos, (v) => v?.length === 2, 'the first event');
    const [snapshot] = travel.positions('todos') as [number];

    travel.rewind('todos', snapshot);
    expect(current(todos)).toEqual([{ id: 0, text: 'first' }]);
    const shown = travel.rewound('todos');
    expect(shown).toMatchObject({ seq: snapshot, held: 0 });

    publish('created', { id: 2, text: 'third' });
    publish('deleted', { id: 0 });
    await waitFor(() => travel.rewound('todos')?.held === 2, 'two held events');
    expect(current(todos)).toEqual([{ id: 0, text: 'first' }]); // held: the page still shows the rewound value
    // Each read is its own value (the overlay re-renders on a new one): the count read before stays as it was.
    expect(shown).toMatchObject({ held: 0 });

    travel.resume('todos');
    expect(travel.rewound('todos')).toBeUndefined();
    expect(current(todos)).toEqual([
      { id: 1, text: 'second' },
      { id: 2, text: 'third' }
    ]);
    publish('created', { id: 3, text: 'fourth' }); // and it follows the topic again from the head
    await until(todos, (v) => v?.length === 3, 'the next event');
  });

  it('stays rewound through a reconnect: the events the server replays are held too', async () => {
    const { todos, publish, travel } = await setup();
    publish('created', { id: 1, text: 'second' });
    publish('created', { id: 2, text: 'third' });
    await until(todos, (v) => v?.length === 3, 'two events');
    const [snapshot] = travel.positions('todos') as [number];
    travel.rewind('todos', snapshot);

    const socket = tap!.sockets()[0]!;
    const states: string[] = [];
    cleanups.push(socket.status.subscribe((s) => states.push(s.state)));
    socket.ws?.close();
    await waitFor(() => states.lastIndexOf('open') > states.findLastIndex((s) => s !== 'open') && states.some((s) => s !== 'open') && socket.sinkTopics.size === 1, 'the store following the topic again');
    publish('created', { id: 3, text: 'fourth' });
    await waitFor(() => travel.rewound('todos')?.held === 1, 'the new event held');
    expect(current(todos)).toEqual([{ id: 0, text: 'first' }]);

    travel.resume('todos');
    expect(current(todos)?.map((t) => t.id)).toEqual([0, 1, 2, 3]);
  });

  it("stays right when the page's stores fold a frame's events as one update", async () => {
    // Animation frames that come only when the test says (the store's fallback timer is 100 ms away).
    const frames: FrameRequestCallback[] = [];
    const globals = globalThis as { requestAnimationFrame?: unknown; cancelAnimationFrame?: unknown };
    globals.requestAnimationFrame = (run: FrameRequestCallback) => frames.push(run);
    globals.cancelAnimationFrame = () => {};
    cleanups.push(() => {
      delete globals.requestAnimationFrame;
      delete globals.cancelAnimationFrame;
    });
    const runFrames = () => frames.splice(0).forEach((run) => run(performance.now()));
    const { todos, publish, travel } = await setup();
    const [snapshot] = travel.positions('todos') as [number];

    // Rewound while two events wait for the next frame: the rewind's value replaces them.
    const socket = tap!.sockets()[0]!;
    const watching = socket.tap!;
    let rewound: Promise<void> | undefined;
    socket.tap = (message) => {
      const held = watching(message);
      if (message.t === 'event' && message.seq === snapshot + 2) rewound = new Promise((done) => setImmediate(() => done(travel.rewind('todos', snapshot))));
      return held;
    };
    publish('created', { id: 1, text: 'second' });
    publish('created', { id: 2, text: 'third' });
    await waitFor(() => rewound, 'the second event');
    await rewound;
    runFrames();
    expect(current(todos)).toEqual([{ id: 0, text: 'first' }]);

    travel.resume('todos');
    expect(current(todos)?.map((t) => t.id)).toEqual([0, 1, 2]);
    // A burst after the resume is folded in one update, and the timeline has every step of it.
    for (const id of [3, 4, 5]) publish('created', { id, text: `#${id}` });
    await waitFor(() => travel.positions('todos').length === 6, 'the burst in the timeline');
    runFrames();
    const head = travel.positions('todos').at(-1)!;
    expect(current(todos)).toEqual(travel.valueAt('todos', head));
    expect(current(todos)?.map((t) => t.id)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps about the last thousand events of a topic, the older ones folded into the value they start from', async () => {
    const { todos, publish, travel } = await setup();
    for (let id = 1; id <= 1150; id++) publish('created', { id, text: `#${id}` });
    await until(todos, (v) => v?.length === 1151, 'every event', 10_000);
    const timeline = travel.timeline('todos')!;
    expect(timeline.events.length).toBeGreaterThanOrEqual(TIMELINE_EVENTS);
    expect(timeline.events.length).toBeLessThanOrEqual(TIMELINE_EVENTS * 1.1);
    expect(timeline.dropped + timeline.events.length).toBe(1150);
    const positions = travel.positions('todos');
    expect(travel.valueAt('todos', positions.at(-1)!)).toEqual(current(todos));
    expect((travel.valueAt('todos', positions[0]!) as Todo[]).length).toBe(1 + timeline.dropped);
  });

  it('refuses a position it does not keep, saying which it does', async () => {
    const { travel } = await setup();
    const [snapshot] = travel.positions('todos') as [number];
    expect(() => travel.rewind('todos', snapshot + 50)).toThrow(new RangeError(`Position #${snapshot + 50} of todos is not kept; pick one from ${snapshot} to ${snapshot}`));
    expect(() => travel.rewind('elsewhere', 1)).toThrow(new RangeError('This page holds no store on elsewhere'));
  });
});
