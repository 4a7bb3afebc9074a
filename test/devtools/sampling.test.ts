/**
 * The DevTools channel under load: it keeps at most `closedBudget` events per window with no
 * panel open (`openBudget` with one open) and then stops listening until the window ends (the
 * runtime builds no events meanwhile).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DevtoolsChannel } from '../../plugin/devtools/channel.js';
import { Runtime } from '../../runtime/server/runtime.js';
import { waitFor } from '../helpers/server.js';

type Sent = { type: string; events?: unknown[]; state?: { sampledAt: number | null } };

const channels: DevtoolsChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) channel.close();
});

function setup(closedBudget: number, openBudget?: number) {
  const runtime = new Runtime();
  const channel = new DevtoolsChannel(() => runtime, { closedBudget, openBudget, batchMs: 50, lingerMs: 10 });
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
    const history = sent.filter((m) => m.type === 'events').flatMap((m) => m.events!);
    expect(history).toHaveLength(100);
  });

  it('gives an open panel every event within the open budget, and samples past it', async () => {
    const { runtime, channel, client, sent, burst } = setup(100, 300);
    channel.connect(client, true);
    burst(300);
    expect(channel.listening).toBe(true);
    expect(channel.state().sampledAt).toBeNull();
    channel.flush();
    expect(sent.filter((m) => m.type === 'events').flatMap((m) => m.events!)).toHaveLength(300);

    burst(1000);
    expect(channel.listening).toBe(false);
    expect(runtime.telemetry.active).toBe(false);
    expect(channel.state().sampledAt).toEqual(expect.any(Number));
    await waitFor(() => channel.listening, 'the next window');
    burst(10);
    channel.flush();
    const events = sent.filter((m) => m.type === 'events').flatMap((m) => m.events as { n: number }[]);
    // The window's budget, then the next window's events: in order, none twice.
    expect(events).toHaveLength(310);
    expect(events.map((e) => e.n)).toEqual([...events.map((e) => e.n)].sort((x, y) => x - y));
  });

  it('gives a panel opened over budget the open budget at once, in a window of its own', () => {
    const { channel, client, sent, burst } = setup(100, 300);
    channel.connect(client, false);
    burst(1000);
    expect(channel.listening).toBe(false);
    channel.setOpen(client, true);
    expect(channel.listening).toBe(true);
    burst(250);
    channel.flush();
    // The closed window's 100, then 250 of the new one's 300.
    expect(sent.filter((m) => m.type === 'events').flatMap((m) => m.events!)).toHaveLength(350);
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
