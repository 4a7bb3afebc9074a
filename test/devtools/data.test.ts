import { describe, expect, it } from 'vitest';
import { EventStore } from '../../devtools-ui/data/event-store.js';
import { preview, type Preview } from '../../runtime/devtools-wire/preview.js';
import { summarize } from '../../devtools-ui/data/preview-text.js';
import { Ring } from '../../devtools-ui/data/ring.js';
import { countdown, describeCron } from '../../devtools-ui/data/cron-words.js';
import { DEFAULT_LAYOUT, loadLayout, saveLayout, fitLayout } from '../../devtools-ui/data/layout.js';
import { describeShortcut, matchesShortcut, parseShortcut } from '../../devtools-ui/data/shortcut.js';
import type { ServerEvent } from '../../runtime/devtools-wire/messages.js';

let n = 0;
const call = (connection: string, id: number, path: string, extra: Partial<Extract<ServerEvent, { type: 'call' }>> = {}): ServerEvent => ({
  n: ++n,
  time: 1_000 + n,
  type: 'call',
  connection,
  id,
  path,
  duration: 2,
  ok: true,
  args: preview(['hello']),
  result: preview({ id: 1 }),
  bytesIn: 40,
  bytesOut: 12,
  ...extra
});
const publish = (topic: string, seq: number, cause?: { connection: string; id: number }, delivered = 2): ServerEvent => ({
  n: ++n,
  time: 1_000 + n,
  type: 'publish',
  topic,
  event: 'created',
  seq,
  delivered,
  data: preview({ id: seq }),
  cause
});

describe('preview', () => {
  it('keeps rich types as what they are', () => {
    const value = { when: new Date(0), big: 10n, nothing: undefined, tags: new Set(['a']), map: new Map([[1, 'one']]), bytes: new Uint8Array([1, 2]) };
    const p = preview(value) as Extract<Preview, { t: 'object' }>;
    const byKey = Object.fromEntries(p.entries);
    expect(byKey.when).toEqual({ t: 'date', v: '1970-01-01T00:00:00.000Z' });
    expect(byKey.big).toEqual({ t: 'bigint', v: '10' });
    expect(byKey.nothing).toEqual({ t: 'undefined' });
    expect(byKey.tags).toEqual({ t: 'set', n: 1, items: [{ t: 'str', v: 'a' }] });
    expect(byKey.map).toEqual({ t: 'map', n: 1, entries: [[{ t: 'num', v: '1' }, { t: 'str', v: 'one' }]] });
    expect(byKey.bytes).toMatchObject({ t: 'bytes', name: 'Uint8Array', n: 2 });
    expect(summarize(p, 300)).toBe(
      '{ when: Date(1970-01-01T00:00:00.000Z), big: 10n, nothing: undefined, tags: Set(1) {"a"}, map: Map(1) {1 => "one"}, bytes: Uint8Array(2) }'
    );
    expect(summarize(p, 20)).toHaveLength(20);
  });

  it('is bounded: cycles, depth, entries, string length and total nodes', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(JSON.stringify(preview(cyclic))).toContain('"t":"ref"');
    let deep: unknown = 'bottom';
    for (let i = 0; i < 50; i++) deep = [deep];
    expect(JSON.stringify(preview(deep))).toContain('"t":"cut"');
    const huge = preview(Array.from({ length: 100_000 }, (_, i) => ({ i, text: 'x'.repeat(10_000) })));
    expect(huge).toMatchObject({ t: 'array', n: 100_000 });
    expect(JSON.stringify(huge).length).toBeLessThan(300_000);
    expect(preview('y'.repeat(5000))).toMatchObject({ t: 'str', more: 3000 });
    // JSON-safe: numbers that JSON cannot hold survive as text.
    expect(preview([NaN, -0, Infinity])).toEqual({ t: 'array', n: 3, items: [{ t: 'num', v: 'NaN' }, { t: 'num', v: '-0' }, { t: 'num', v: 'Infinity' }] });
  });

  it('shows a throwing getter as its error instead of failing', () => {
    const value = Object.defineProperty({}, 'bad', { enumerable: true, get: () => { throw new Error('nope'); } });
    expect(preview(value)).toMatchObject({ t: 'object', entries: [['bad', { t: 'error', message: 'nope' }]] });
  });
});

describe('Ring', () => {
  it('keeps the newest items and says what it dropped', () => {
    const ring = new Ring<number>(3);
    expect([1, 2, 3].map((i) => ring.push(i))).toEqual([undefined, undefined, undefined]);
    expect(ring.push(4)).toBe(1);
    expect(ring.toArray()).toEqual([2, 3, 4]);
    expect(ring.since(2)).toEqual([3, 4]);
    expect(ring.total).toBe(4);
    expect(() => new Ring(0)).toThrow(/positive integer/);
  });
});

describe('EventStore', () => {
  it('lists calls newest first, filtered by text, status and page', () => {
    const store = new EventStore();
    store.pageStatus({ state: 'open', attempts: 0, latency: 3, connection: 'c1' });
    store.ingest([call('c1', 1, 'chat/send'), call('c2', 1, 'todos/add', { ok: false, result: undefined, error: { code: 'EMPTY', message: 'Title is empty' } })]);
    expect(store.callList().map((c) => c.path)).toEqual(['todos/add', 'chat/send']);
    expect(store.callList({ status: 'error' }).map((c) => c.key)).toEqual(['c2/1']);
    expect(store.callList({ mine: true }).map((c) => c.key)).toEqual(['c1/1']);
    expect(store.callList({ text: 'title is' }).map((c) => c.key)).toEqual(['c2/1']);
    expect(store.callList({ text: 'HELLO' })).toHaveLength(2);
    expect(store.counts()).toMatchObject({ calls: 2, errors: 1 });
  });

  it("merges this page's view of a call (round trip) with the server's", () => {
    const store = new EventStore();
    store.pageStatus({ state: 'open', attempts: 0, latency: null, connection: 'c1' });
    store.pageCall(7, 'chat/send', 100);
    expect(store.callList({ status: 'pending' }).map((c) => c.key)).toEqual(['c1/7']);
    store.pageReply(7, true, 130);
    store.ingest([call('c1', 7, 'chat/send')]);
    const [record] = store.callList();
    expect(record).toMatchObject({ key: 'c1/7', status: 'ok', roundTrip: 30, mine: true, args: preview(['hello']) });
  });

  it('traces a call to its publishes, their reach, and the page updates that followed', () => {
    const store = new EventStore();
    store.pageStatus({ state: 'open', attempts: 0, latency: null, connection: 'c1' });
    store.ingest([call('c1', 3, 'chat/send'), publish('messages', 5, { connection: 'c1', id: 3 }, 4), publish('other', 1)]);
    store.pageUpdate('messages', 5, 'created', { id: 5 }, 2_000);
    const trace = store.trace('c1/3')!;
    expect(trace.publishes).toHaveLength(1);
    expect(trace.publishes[0]!.publish).toMatchObject({ topic: 'messages', seq: 5, delivered: 4 });
    expect(trace.publishes[0]!.pageUpdates).toMatchObject([{ topic: 'messages', seq: 5, event: 'created' }]);
    expect(store.trace('c9/9')).toBeUndefined();
  });

  it('skips events already seen, and forgets the order for a new server', () => {
    const store = new EventStore();
    const events = [call('c1', 1, 'a/b'), call('c1', 2, 'a/b')];
    store.ingest(events);
    store.ingest(events); // history sent again after reopening
    expect(store.callList()).toHaveLength(2);
    store.resetServer();
    store.ingest([{ ...call('c1', 3, 'a/b'), n: 1 }]);
    expect(store.callList()).toHaveLength(3);
  });

  it('stays bounded: thousands of calls keep the newest and drop their indexes', () => {
    const store = new EventStore({ calls: 1000, publishes: 1000 });
    const events: ServerEvent[] = [];
    for (let i = 1; i <= 5000; i++) events.push(call('c1', i, 'load/test'), publish('t', i, { connection: 'c1', id: i }));
    store.ingest(events);
    const list = store.callList();
    expect(list).toHaveLength(1000);
    expect(list[0]!.id).toBe(5000);
    expect(store.call('c1/1')).toBeUndefined();
    expect(store.trace('c1/1')).toBeUndefined();
    expect(store.trace('c1/5000')!.publishes).toHaveLength(1);
    expect(store.counts().calls).toBe(5000);
  });

  it('summarises topics with subscribers, merge, rate and last events', () => {
    const store = new EventStore();
    store.setState({ time: 0, connections: [], topics: [{ topic: 'messages', seq: 2, subscribers: 3, merge: 'crud' }], cron: null, sampledAt: null });
    store.ingest([publish('messages', 1), publish('messages', 2), publish('lonely', 1)]);
    store.pageTopic('messages');
    const topics = store.topicList(1_000 + n);
    expect(topics.map((t) => t.topic)).toEqual(['messages', 'lonely']);
    expect(topics[0]).toMatchObject({ subscribers: 3, merge: 'crud', mine: true, rate: 0.2 });
    expect(topics[0]!.last.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('joins cron jobs with the runs it saw, manual ones marked', () => {
    const store = new EventStore();
    expect(store.cronList()).toBeNull();
    store.setState({
      time: 0,
      connections: [],
      topics: [],
      cron: [{ path: 'jobs/tick', schedule: '*/5 * * * * *', topic: 'clock', paused: false, running: false, nextRun: 5_000, lastRuns: [] }],
      sampledAt: null
    });
    store.ingest([{ n: ++n, time: 10, type: 'cron', path: 'jobs/tick', topic: 'clock', start: 10, duration: 1, ok: true, manual: true }]);
    expect(store.cronList()![0]!.runs).toEqual([{ start: 10, duration: 1, ok: true, manual: true, error: undefined }]);
  });

  it('counts reconnects of the page socket', () => {
    const store = new EventStore();
    store.pageStatus({ state: 'open', attempts: 0, latency: null, connection: 'c1' });
    store.pageStatus({ state: 'reconnecting', attempts: 1, latency: null, connection: null });
    store.pageStatus({ state: 'open', attempts: 0, latency: null, connection: 'c2' });
    expect(store.page).toMatchObject({ reconnects: 1, connection: 'c2' });
  });
});

describe('small helpers', () => {
  it('says cron schedules in words', () => {
    expect(describeCron('*/5 * * * * *')).toBe('every 5 seconds');
    expect(describeCron('* * * * *')).toBe('every minute');
    expect(describeCron('*/15 * * * *')).toBe('every 15 minutes');
    expect(describeCron('0 * * * *')).toBe('every hour, on the hour');
    expect(describeCron('30 9 * * *')).toBe('every day at 09:30');
    expect(describeCron('0 9 * * 1')).toBe('every Monday at 09:00');
    expect(describeCron('@daily')).toBe('every day at 00:00');
    expect(describeCron('0 0 1,15 * *')).toBe('0 0 1,15 * *');
    expect(countdown(10_500, 10_000)).toBe('1 s');
    expect(countdown(10_000 + 125_000, 10_000)).toBe('2 min 5 s');
    expect(countdown(9_000, 10_000)).toBe('now');
  });

  it('matches the shortcut on the physical key', () => {
    const shortcut = parseShortcut('ctrl+shift+KeyL');
    const press = { code: 'KeyL', ctrlKey: true, shiftKey: true, altKey: false, metaKey: false };
    expect(matchesShortcut(shortcut, press)).toBe(true);
    expect(matchesShortcut(shortcut, { ...press, altKey: true })).toBe(false);
    expect(matchesShortcut(shortcut, { ...press, code: 'KeyK' })).toBe(false);
    expect(describeShortcut(shortcut)).toBe('Ctrl+Shift+L');
  });

  it('remembers the layout per project root, repairing what is broken', () => {
    const data = new Map<string, string>();
    const storage = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
    expect(loadLayout(storage, '/app')).toEqual(DEFAULT_LAYOUT);
    saveLayout(storage, '/app', { ...DEFAULT_LAYOUT, open: true, tab: 'cron', width: 600 });
    expect(loadLayout(storage, '/app')).toMatchObject({ open: true, tab: 'cron', width: 600 });
    expect(loadLayout(storage, '/other')).toEqual(DEFAULT_LAYOUT);
    data.set('svelte-realtime:devtools:/app', '{"tab":"__proto__","width":-5,"open":"yes"}');
    expect(loadLayout(storage, '/app')).toEqual(DEFAULT_LAYOUT);
    data.set('svelte-realtime:devtools:/app', 'not json');
    expect(loadLayout(storage, '/app')).toEqual(DEFAULT_LAYOUT);
    expect(fitLayout({ ...DEFAULT_LAYOUT, width: 5000, right: 4000 }, { width: 1000, height: 700 })).toMatchObject({ width: 984, right: 880 });
  });
});
