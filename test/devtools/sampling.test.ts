/**
 * The DevTools channel under load: with no panel open it keeps at most `closedBudget` events
 * per window and then stops listening until the window ends (the runtime builds no events
 * meanwhile); an open panel gets every event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DevtoolsChannel } from '../../plugin/devtools-channel.js';
import { Runtime } from '../../runtime/server/runtime.js';
import { waitFor } from '../helpers/server.js';

type Sent = { kind: string; events?: unknown[]; state?: { sampledAt: number | null } };

const channels: DevtoolsChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) channel.close();
});

function setup(closedBudget: number) {
  const runtime = new Runtime();
  const channel = new DevtoolsChannel(() => runtime, { closedBudget, batchMs: 50, lingerMs: 10 });
  channels.push(channel);
  const sent: Sent[] = [];
  const client = { send: (message: unknown) => void sent.push(message as Sent) };
  const burst = (count: number) => {
    for (let i = 0; i < count; i++) runtime.publish('load', 'tick', i);
  };
  return { runtime, channel, client, sent, burst };
}

describe('DevTools history under load', () => {
  it('keeps every event while the rate stays within the budget', () => {
    const { runtime, channel, client, burst } = setup(100);
    channel.connect(client, false);
    burst(100);
    expect(channel.listening).toBe(true);
    expect(runtime.telemetry.active).toBe(true);
    expect(channel.state().sampledAt).toBeNull();
  });

  it('stops listening past the budget with no panel open, says so, and listens again after the window', async () => {
    const { runtime, channel, client, sent, burst } = setup(100);
    channel.connect(client, false);
    burst(1000);
    expect(channel.listening).toBe(false);
    expect(runtime.telemetry.active).toBe(false); // the runtime builds no events meanwhile
    expect(channel.state().sampledAt).toEqual(expect.any(Number));
    await waitFor(() => channel.listening, 'the next window');
    expect(runtime.telemetry.active).toBe(true);

    // Opened later, the panel gets the sample that was kept: the budget, not the burst.
    channel.setOpen(client, true);
    const history = sent.filter((m) => m.kind === 'events').flatMap((m) => m.events!);
    expect(history).toHaveLength(100);
  });

  it('gives an open panel every event, however many', () => {
    const { channel, client, sent, burst } = setup(100);
    channel.connect(client, true);
    burst(1000);
    expect(channel.listening).toBe(true);
    channel.flush();
    expect(sent.filter((m) => m.kind === 'events').flatMap((m) => m.events!)).toHaveLength(500); // the ring's capacity
    expect(channel.state().sampledAt).toBeNull();
  });

  it('stays detached once the last overlay has gone and its linger time is over', async () => {
    const { channel, client, burst } = setup(10);
    channel.connect(client, false);
    burst(50);
    channel.disconnect(client);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(channel.listening).toBe(false);
  });
});
