/**
 * The payload events travel in between instances: each instance's frame is exactly the frame a
 * single process would send for the same publish, and listeners get back the same values.
 */
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload, eventFrame } from '../../runtime/server/cluster/payload.js';
import { encodeMessage } from '../../runtime/server/frames.js';

const samples: [string, unknown][] = [
  ['created', { id: 1, text: 'hello "quoted" \\ ✓ 𝄞', tags: ['a', 'b'], nested: { deep: [1, 2, { x: null }] } }],
  ['set', 42],
  ['set', 'a string'],
  ['set', null],
  ['weird "event" name', [true, false, 1.5]],
  ['rich', { at: new Date(0), map: new Map([['k', 1]]), set: new Set([1]), big: 10n, gone: undefined }],
  ['undefined', undefined]
];

describe('cluster payload', () => {
  it('builds the same frame a single process sends, for plain and rich data', () => {
    for (const [event, data] of samples) {
      const payload = encodePayload(event, data);
      expect(eventFrame('room:1 "x"', 7, payload)).toBe(encodeMessage({ t: 'event', topic: 'room:1 "x"', seq: 7, event, data }));
    }
  });

  it('gives listeners back the event and its data', () => {
    for (const [event, data] of samples) expect(decodePayload(encodePayload(event, data))).toEqual([event, data]);
  });

  it('carries plain data as JSON, rich data as devalue', () => {
    expect(encodePayload('set', { a: 1 }).startsWith('j')).toBe(true);
    expect(encodePayload('set', new Date(0)).startsWith('d')).toBe(true);
  });
});
