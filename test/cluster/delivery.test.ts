/**
 * Delivery across instances: a publish on any instance reaches every subscriber on every
 * instance, once and in publish order, and a client that moves to another instance resumes
 * from its position with nothing lost and nothing repeated.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/server.js';
import { startInstance } from './instances.js';
import { useCluster } from './setup.js';

const cluster = useCluster();
const connect = (url: string) => cluster.connect(url);

type Event = { seq: number; event: string; data: { id: number; text: string } };

describe('cluster delivery', () => {
  it('delivers each publish to subscribers on every instance, once, in publish order', async () => {
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a'), startInstance(cluster.redis, 'b')]);
    const onA = await connect(a.url());
    const onB = await connect(b.url());
    const snapshots = [await onA.subscribe('app/feed'), await onB.subscribe('app/feed')];
    expect(snapshots.map((s) => s.t)).toEqual(['snapshot', 'snapshot']);
    // Publishers on both instances at once.
    const publishers = [await connect(a.url()), await connect(b.url())];
    await Promise.all(publishers.map((publisher, p) => Promise.all(Array.from({ length: 50 }, (_, i) => publisher.call('app/add', `${p}-${i}`)))));
    const received = [] as Event[][];
    for (const client of [onA, onB]) {
      const events = await waitFor(() => {
        const got = client.messages.filter((m) => m.t === 'event' && m.topic === 'feed');
        return got.length >= 100 && (got as unknown as Event[]);
      }, '100 events');
      received.push(events);
    }
    for (const events of received) {
      expect(events).toHaveLength(100);
      // Consecutive sequence numbers: nothing lost, nothing twice, one order.
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => events[0]!.seq + i));
      // Each publisher's events keep the order it published them in.
      for (const p of [0, 1]) {
        const own = events.filter((e) => e.data.text.startsWith(`${p}-`)).map((e) => Number(e.data.text.split('-')[1]));
        expect(own).toHaveLength(50);
      }
    }
    // Both instances delivered the same events in the same order.
    expect(received[0]!.map((e) => e.data.id)).toEqual(received[1]!.map((e) => e.data.id));
  }, 30_000);

  it('resumes a client that moves to another instance with nothing lost or repeated', async () => {
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a'), startInstance(cluster.redis, 'b')]);
    const publisher = await connect(b.url());
    const first = await connect(a.url());
    const snapshot = await first.subscribe('app/feed');
    if (snapshot.t !== 'snapshot') throw new Error(`expected a snapshot, got ${JSON.stringify(snapshot)}`);
    for (let i = 0; i < 5; i++) await publisher.call('app/add', `before ${i}`);
    const seen = await waitFor(() => {
      const got = first.messages.filter((m) => m.t === 'event' && m.topic === 'feed') as unknown as Event[];
      return got.length >= 5 && got;
    }, 'the first five events');
    const last = seen.at(-1)!.seq;
    first.close();
    // Published while the client is away.
    for (let i = 0; i < 7; i++) await publisher.call('app/add', `away ${i}`);
    const moved = await connect(b.url());
    const resumed = await moved.subscribe('app/feed', [], { epoch: snapshot.position.epoch, seq: last });
    expect(resumed.t).toBe('resumed');
    await publisher.call('app/add', 'after');
    const events = await waitFor(() => {
      const got = moved.messages.filter((m) => m.t === 'event' && m.topic === 'feed') as unknown as Event[];
      return got.length >= 8 && got;
    }, 'the missed events and the next one');
    expect(events.map((e) => e.data.text)).toEqual([...Array.from({ length: 7 }, (_, i) => `away ${i}`), 'after']);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 8 }, (_, i) => last + 1 + i));
  }, 30_000);
});
