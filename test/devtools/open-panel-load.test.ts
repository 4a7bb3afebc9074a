/**
 * An open panel at a dev load gets every event: a burst larger than a ring (a busy event loop
 * delays the batch timer) is sent before the ring lets any of it go, and the budget (10 000
 * events a second with a panel open) keeps a burst of a few thousand whole.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DevtoolsChannel } from '../../plugin/devtools/channel.js';
import { Runtime } from '../../runtime/server/runtime.js';

const channels: DevtoolsChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) channel.close();
});

describe('an open panel under a dev load', () => {
  it('is sent every event of a burst larger than a ring, in order, none twice', () => {
    const runtime = new Runtime();
    const channel = new DevtoolsChannel(() => runtime, { capacity: 500, batchMs: 60_000 });
    channels.push(channel);
    const sent: { type: string; events?: { n: number }[] }[] = [];
    channel.connect({ send: (message) => void sent.push(message as (typeof sent)[number]) }, true);
    for (let i = 0; i < 4000; i++) runtime.publish('load', 'tick', i); // a second of a busy dev page, in one turn
    channel.flush();
    const events = sent.filter((m) => m.type === 'events').flatMap((m) => m.events!);
    expect(events).toHaveLength(4000);
    expect(events.map((e) => e.n)).toEqual(Array.from({ length: 4000 }, (_, i) => events[0]!.n + i));
    expect(channel.state().sampledAt).toBeNull();
  });
});
