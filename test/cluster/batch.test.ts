/**
 * ctx.batch in a cluster: the batch crosses the bus as one message, and a subscriber on another
 * instance gets its events in one frame, numbered on each topic as single publishes would be.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../runtime/server/frames.js';
import { waitFor } from '../helpers/server.js';
import { redisClient, startInstance } from './instances.js';
import { useCluster } from './setup.js';

const cluster = useCluster();
const connect = (url: string) => cluster.connect(url);

describe('ctx.batch in a cluster', () => {
  it('is one message on the bus and one frame for a subscriber on another instance', async () => {
    const [a, b] = await Promise.all([startInstance(cluster.redis, 'a'), startInstance(cluster.redis, 'b')]);
    const watcher = await connect(b.url());
    await watcher.subscribe('app/feed');
    await watcher.subscribe('app/notes');
    const frames: string[][] = [];
    watcher.socket.on('message', (data) => {
      const events = (decodeFrame(data.toString()) as { t: string; topic?: string }[]).filter((m) => m.t === 'event');
      if (events.length > 0) frames.push(events.map((m) => m.topic!));
    });
    const bus = await redisClient(cluster.redis);
    const messages: string[] = [];
    const listener = bus.duplicate();
    listener.on('error', () => {});
    await listener.connect();
    await listener.subscribe('test:events', (message) => void messages.push(message));
    try {
      const mover = await connect(a.url());
      for (const id of [1, 2]) expect(await mover.call('app/move', id)).toMatchObject({ t: 'result' });
      await waitFor(() => frames.length === 2, 'both batches on the other instance');
      expect(frames).toEqual([
        ['feed', 'notes'],
        ['feed', 'notes']
      ]);
      // Each batch is one message (a list of what single publishes would send), and no event of
      // them crossed on its own. (A loaded machine may also see a topic restart, seq 0, when an
      // instance briefly lost Redis: that is not an event.)
      const sent = messages.map((m) => JSON.parse(m) as unknown[]);
      const batches = sent.filter((m) => Array.isArray(m[0])) as unknown[][][];
      expect(batches.map((batch) => batch.map((event) => event[0])), JSON.stringify(sent)).toEqual([
        ['feed', 'notes'],
        ['feed', 'notes']
      ]);
      expect(sent.filter((m) => !Array.isArray(m[0]) && m[2] !== 0), JSON.stringify(sent)).toEqual([]);
      const notes = watcher.events('notes');
      expect(notes.map((e) => [e.seq, (e.data as { at: Date }).at])).toEqual([
        [1, new Date(0)],
        [2, new Date(0)]
      ]);
      expect(watcher.events('feed').map((e) => [e.seq, e.event, e.data])).toEqual([
        [1, 'deleted', 1],
        [2, 'deleted', 2]
      ]);
    } finally {
      await listener.quit();
      await bus.quit();
    }
  });
});
