import { describe, expect, it } from 'vitest';
import { Topics, type TopicSubscriber } from '../../runtime/server/topics.js';

const subscriber = (): TopicSubscriber & { frames: string[] } => {
  const frames: string[] = [];
  return { frames, sendEvent: (_topic, frame) => frames.push(frame) };
};

describe('topic hooks', () => {
  it('starts on the first subscriber and stops after the last one leaves', () => {
    const topics = new Topics();
    const log: string[] = [];
    const start = () => {
      log.push('start');
      return () => log.push('stop');
    };
    const a = subscriber();
    const b = subscriber();
    topics.subscribe('t', a, start);
    topics.subscribe('t', b, start);
    topics.subscribe('t', a, start);
    expect(log).toEqual(['start']);
    topics.unsubscribe('t', a);
    topics.unsubscribe('t', b);
    expect(log).toEqual(['start']);
    topics.unsubscribe('t', a);
    expect(log).toEqual(['start', 'stop']);
    topics.subscribe('t', b, start);
    expect(log).toEqual(['start', 'stop', 'start']);
    topics.close();
    expect(log).toEqual(['start', 'stop', 'start', 'stop']);
  });

  it('adds no subscriber when start throws', () => {
    const topics = new Topics();
    const a = subscriber();
    expect(() =>
      topics.subscribe('t', a, () => {
        throw new Error('upstream down');
      })
    ).toThrow('upstream down');
    expect(topics.subscriberCount('t')).toBe(0);
    expect(topics.list()).toEqual([]);
    topics.close();
  });

  it('calls server-side listeners on every publish, with or without subscribers, until removed', () => {
    const topics = new Topics();
    const seen: unknown[] = [];
    const stop = topics.listen('orders', (event, data, topic) => seen.push([topic, event, data]));
    topics.publish('orders', 'created', { id: 1 });
    const a = subscriber();
    topics.subscribe('orders', a);
    topics.publish('orders', 'deleted', 1);
    stop();
    topics.publish('orders', 'created', { id: 2 });
    expect(seen).toEqual([
      ['orders', 'created', { id: 1 }],
      ['orders', 'deleted', 1]
    ]);
    expect(a.frames).toHaveLength(2);
    topics.close();
  });

  it('reports a throwing listener and still delivers to subscribers and later listeners', () => {
    const errors: unknown[] = [];
    const topics = new Topics({ onListenerError: (error) => errors.push(error) });
    const seen: string[] = [];
    topics.listen('t', () => {
      throw new Error('broken listener');
    });
    topics.listen('t', (event) => seen.push(event));
    const a = subscriber();
    topics.subscribe('t', a);
    expect(topics.publish('t', 'ping', null)).toMatchObject({ seq: 1, delivered: 1 });
    expect(seen).toEqual(['ping']);
    expect(errors).toHaveLength(1);
    expect(a.frames).toHaveLength(1);
    topics.close();
  });
});
