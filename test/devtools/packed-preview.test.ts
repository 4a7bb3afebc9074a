/**
 * The values of hot events travel to the overlay as the JSON text the server already made (to
 * count a call's bytes) when they are small and plain; anything else is previewed, so what is
 * sent stays bounded. The overlay shows both the same way.
 */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../devtools-ui/data/preview-text.js';
import { EventStore } from '../../devtools-ui/data/event-store.js';
import { testSource } from '../../devtools-ui/data/test-source.js';
import { expandPreview, packedPreview, PACKED_PREVIEW_CHARS, preview } from '../../runtime/devtools-wire/preview.js';
import { plainJson } from '../../runtime/protocol.js';
import { toServerEvents } from '../../plugin/devtools/events.js';
import { JsonMemo } from '../../plugin/devtools/json-memo.js';
import { RichCounting } from '../../plugin/devtools/call-bytes.js';
import type { ServerEvent } from '../../runtime/devtools-wire/messages.js';
import { packMessage, unpackMessage } from '../../runtime/devtools-wire/packing.js';

const packed = (value: unknown) => packedPreview(value, plainJson(value));

describe('packed previews', () => {
  it('sends a small plain value as its JSON text, shown as its preview', () => {
    const value = { id: 1, tags: ['a', 'b'], done: false, note: null };
    expect(packed(value)).toEqual({ t: 'json', v: JSON.stringify(value) });
    expect(expandPreview(packed(value))).toEqual(preview(value));
    expect(summarize(packed(value))).toBe(summarize(preview(value)));
  });

  it('previews a value JSON would not carry exactly, or one too long to send whole', () => {
    const rich = { at: new Date(0), big: 1n };
    expect(packed(rich)).toEqual(preview(rich));
    const long = 'x'.repeat(PACKED_PREVIEW_CHARS * 4);
    const sent = packed([long]);
    expect(sent.t).toBe('array');
    expect(JSON.stringify(sent).length).toBeLessThan(PACKED_PREVIEW_CHARS);
  });

  it('shows text that is not JSON as text, never failing the panel', () => {
    expect(expandPreview({ t: 'json', v: '{nope' })).toEqual({ t: 'str', v: '{nope' });
  });
});

describe('values met twice in one batch', () => {
  it('encodes a value once per batch, and says when JSON does not carry it', () => {
    const memo = new JsonMemo();
    const todo = { id: 1, text: 'milk' };
    expect(memo.of(todo)).toBe('{"id":1,"text":"milk"}');
    todo.text = 'changed after';
    expect(memo.of(todo)).toBe('{"id":1,"text":"milk"}'); // the batch's own reading
    expect(new JsonMemo().of(todo)).toBe('{"id":1,"text":"changed after"}');
    expect(memo.of({ at: new Date(0) })).toBeUndefined();
    expect(memo.of(7)).toBe('7');
  });

  it("shows a call's result and the publish of the same value alike, each with the call's own bytes", () => {
    const todo = { id: 1, text: 'milk' };
    const [publish, call] = toServerEvents([
      { n: 1, time: 1, event: { type: 'publish', topic: 'todos', event: 'created', seq: 1, epoch: 'e', delivered: 2, data: todo } },
      { n: 2, time: 2, event: { type: 'call', connection: 'c1', path: 'todos/add', args: [todo], id: 3, start: 0, duration: 1, ok: true, result: todo, bytesIn: 0 } }
    ]);
    expect(publish).toMatchObject({ data: { t: 'json', v: '{"id":1,"text":"milk"}' } });
    expect(call).toMatchObject({
      args: { t: 'json', v: '[{"id":1,"text":"milk"}]' },
      result: { t: 'json', v: '{"id":1,"text":"milk"}' },
      bytesOut: '{"t":"result","id":3,"data":{"id":1,"text":"milk"}}'.length
    });
  });
});

describe('values kept as JSON text in the overlay', () => {
  it('copy as test writes the same test from JSON text as from a preview', () => {
    const args = [{ id: 1, text: 'milk' }, 2];
    const result = { ok: true, items: ['a'] };
    const sourceOf = (packed: boolean) => {
      const store = new EventStore();
      const value = (v: unknown) => (packed ? packedPreview(v, plainJson(v)) : preview(v));
      store.ingest([{ n: 1, time: 1, type: 'call', connection: 'c1', path: 'todos/add', id: 1, duration: 1, ok: true, args: value(args), result: value(result), bytesIn: 1, bytesOut: 1 }]);
      return testSource({ call: store.call('c1/1')!, user: undefined });
    };
    expect(sourceOf(true)).toBe(sourceOf(false));
    expect(sourceOf(true)).toContain('.add({ id: 1, text: "milk" }, 2)');
  });
});

describe("a rich call's bytes under a flood", () => {
  const richCall = (id: number) => ({
    n: id,
    time: 1,
    event: { type: 'call' as const, connection: 'c1', path: 'inspect/echo', args: ['load', new Date(0)], id, start: 0, duration: 1, ok: true, result: { at: new Date(0), tags: new Set(['a']) }, bytesIn: 0 }
  });

  it('counts at most so many rich values a second, and every one again the next second; plain values always', () => {
    let now = 10_000;
    const counting = new RichCounting(4, () => now);
    const [first, second, third] = toServerEvents([richCall(1), richCall(2), richCall(3)], counting) as Extract<ServerEvent, { type: 'call' }>[];
    expect(first!.bytesIn).toBeGreaterThan(0);
    expect(first!.bytesOut).toBeGreaterThan(0);
    expect(second!.bytesIn).toBeGreaterThan(0);
    expect(second!.bytesOut).toBeGreaterThan(0);
    // Four counts a second: the third call's values are sent, not counted.
    expect(third!.bytesIn).toBeUndefined();
    expect(third!.bytesOut).toBeUndefined();
    expect(third!.args).toEqual(first!.args);
    const plain = toServerEvents(
      [{ n: 4, time: 1, event: { type: 'call', connection: 'c1', path: 'todos/add', args: ['milk'], id: 4, start: 0, duration: 1, ok: true, result: { id: 1 }, bytesIn: 0 } }],
      counting
    )[0];
    expect(plain).toMatchObject({ bytesIn: '{"t":"call","id":4,"path":"todos/add","args":["milk"]}'.length, bytesOut: '{"t":"result","id":4,"data":{"id":1}}'.length });
    now += 1000;
    expect((toServerEvents([richCall(5)], counting)[0] as Extract<ServerEvent, { type: 'call' }>).bytesIn).toBeGreaterThan(0);
  });
});

describe('calls and publishes over the dev socket', () => {
  it('travel packed and come back as the same events, other messages as they are', () => {
    const events: ServerEvent[] = [
      { n: 1, time: 10.5, type: 'call', connection: 'c1', path: 'todos/add', id: 3, duration: 0.25, ok: true, args: { t: 'json', v: '["milk"]' }, result: { t: 'json', v: '{"id":1}' }, bytesIn: 40, bytesOut: 30 },
      { n: 2, time: 11, type: 'call', connection: 'c1', path: 'room/cursor', id: 4, duration: 1, ok: false, args: preview([1, 2]), error: { code: 'NOPE', message: 'no' }, internal: true },
      { n: 3, time: 12, type: 'publish', topic: 'todos', event: 'created', seq: 7, epoch: 'e1', delivered: 2, data: preview({ id: 1 }), cause: { connection: 'c1', id: 3 } },
      { n: 4, time: 13, type: 'publish', topic: 'nobody', event: 'x', seq: 0, delivered: 0, data: preview(null) },
      { n: 5, time: 14, type: 'open', connection: 'c2', user: preview(null), origin: undefined }
    ];
    const sent = JSON.parse(JSON.stringify(packMessage({ type: 'events', events })));
    expect(unpackMessage(sent)).toEqual(JSON.parse(JSON.stringify({ type: 'events', events })));
    expect(JSON.stringify(sent).length).toBeLessThan(JSON.stringify({ type: 'events', events }).length * 0.8);
    const state = { type: 'welcome' as const, server: 'abc' };
    expect(unpackMessage(packMessage(state))).toBe(state);
  });
});
