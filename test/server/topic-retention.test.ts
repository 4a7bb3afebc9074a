/** How long topics outlive their subscribers, and the bound on how many may. */
import { describe, expect, it } from 'vitest';
import { Topics, type TopicSubscriber } from '../../runtime/server/topics.js';

const subscriber = (): TopicSubscriber & { frames: string[] } => {
  const frames: string[] = [];
  return { frames, sendEvent: (_topic, frame) => frames.push(frame) };
};

describe('topic retention', () => {
  it('keeps a topic without subscribers so a returning client can replay what it missed', () => {
    const topics = new Topics();
    const s = subscriber();
    const at = topics.subscribe('quiet', s);
    topics.unsubscribe('quiet', s);
    topics.publish('quiet', 'created', { id: 1 });
    expect(topics.eventsSince('quiet', at)).toHaveLength(1);
    topics.close();
  });

  it('keeps at most maxRetained topics without subscribers, dropping the oldest first', () => {
    const topics = new Topics({ maxRetained: 2 });
    const s = subscriber();
    for (const name of ['a', 'b', 'c']) {
      topics.subscribe(name, s);
      topics.unsubscribe(name, s);
    }
    expect(topics.list().map((t) => t.topic)).toEqual(['b', 'c']);
    topics.close();
  });

  it('never drops a topic that has subscribers, and counts a topic once however often it is retained', () => {
    const topics = new Topics({ maxRetained: 1 });
    const s = subscriber();
    topics.subscribe('followed', s);
    for (let i = 0; i < 3; i++) {
      topics.subscribe('again', s);
      topics.unsubscribe('again', s);
    }
    topics.subscribe('other', s);
    topics.unsubscribe('other', s);
    expect(topics.list().map((t) => t.topic).sort()).toEqual(['followed', 'other']);
    topics.publish('followed', 'created', { id: 1 });
    expect(s.frames).toHaveLength(1);
    topics.close();
  });

  it('holds 100 000 topics cycled through by one client at the bound', () => {
    const topics = new Topics({ maxRetained: 1000 });
    const s = subscriber();
    for (let i = 0; i < 100_000; i++) {
      topics.subscribe(`room:${i}`, s);
      topics.unsubscribe(`room:${i}`, s);
    }
    expect(topics.list()).toHaveLength(1000);
    topics.close();
  });
});
