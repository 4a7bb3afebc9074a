/**
 * The JSON fast path of the wire format: frames of plain values are JSON, any other frame is
 * devalue, and the reader takes both. What a user sees must not change: every value comes
 * back as sent, and hostile text is refused as before.
 */
import { stringify } from 'devalue';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, ProtocolError, type ServerMessage } from '../../runtime/protocol.js';
import { decodeFrame, encodeFrame, encodeMessage } from '../../runtime/server/frames.js';

const result = (data: unknown): ServerMessage => ({ t: 'result', id: 1, data });
const roundTrip = (data: unknown) => (decodeFrame(encodeMessage(result(data)))[0] as { data: unknown }).data;

function refusalCode(text: string): string {
  try {
    decodeFrame(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError');
}

describe('plain frames', () => {
  it('are JSON, version first, and read back as sent', () => {
    const data = { id: 7, text: 'hi "there" </script>\u2028', tags: ['a', 'b'], nested: { ok: true, none: null, n: -1.5 } };
    const frame = encodeMessage(result(data));
    expect(frame).toBe(JSON.stringify([PROTOCOL_VERSION, result(data)]));
    expect(roundTrip(data)).toEqual(data);
  });

  it('leave values JSON cannot carry exactly to devalue, which keeps them', () => {
    const shared = { n: 1 };
    const loop: { self?: unknown } = {};
    loop.self = loop;
    const nullProto = Object.assign(Object.create(null), { a: 1 });
    const values: unknown[] = [
      new Date(5),
      new Map([[1, 2]]),
      new Set(['x']),
      10n,
      undefined,
      { a: undefined },
      -0,
      NaN,
      Infinity,
      [1, , 3],
      nullProto
    ];
    for (const [i, value] of values.entries()) {
      const frame = encodeMessage(result(value));
      expect(Array.isArray(JSON.parse(frame)[0]), `devalue frame for value ${i}`).toBe(true);
      expect(roundTrip(value)).toEqual(value);
    }
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Object.getPrototypeOf(roundTrip(nullProto))).toBe(null);
    const [a, b] = roundTrip([shared, shared]) as object[];
    expect(a).toBe(b);
    const back = roundTrip(loop) as { self: unknown };
    expect(back.self).toBe(back);
  });

  it('still refuse what devalue refuses: functions, class instances, symbol keys', () => {
    expect(() => encodeMessage(result(() => 1))).toThrow();
    expect(() => encodeMessage(result(new (class Point { x = 1 })()))).toThrow();
    expect(() => encodeMessage(result({ [Symbol('s')]: 1 }))).toThrow();
  });

  it('find a repeated object among many, and take a long plain list as JSON', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ id: i }));
    expect(encodeMessage(result(items))).toMatch(/^\[1,/);
    expect(roundTrip(items)).toEqual(items);
    const repeated = [...items, items[3]];
    expect(Array.isArray(JSON.parse(encodeMessage(result(repeated)))[0])).toBe(true);
    const back = roundTrip(repeated) as object[];
    expect(back[100]).toBe(back[3]);
    // The set used past the first objects is emptied too: the same items are plain again.
    expect(encodeMessage(result(items))).toMatch(/^\[1,/);
  });

  it('reuse nothing from one frame in the next', () => {
    const shared = { n: 1 };
    expect(encodeMessage(result(shared))).toMatch(/^\[1,/);
    // Met in the frame before, but once in this one: still plain.
    expect(encodeMessage(result([shared]))).toMatch(/^\[1,/);
  });

  it('read frames written by devalue (an older client) as before', () => {
    const message = { t: 'call', id: 3, path: 'chat/send', args: ['hi'] };
    expect(decodeFrame(stringify([PROTOCOL_VERSION, message]))).toEqual([message]);
  });

  it('refuse a __proto__ key with MALFORMED, and keep "__proto__" as a string value', () => {
    expect(refusalCode('[1,{"t":"call","id":1,"path":"a/b","args":[{"__proto__":{"admin":true}}]}]')).toBe('MALFORMED');
    const data = { text: '__proto__', quoted: '"__proto__":', control: '\u0001' };
    expect(roundTrip(data)).toEqual(data);
  });

  it('refuse a __proto__ key spelled with \\u escapes, which JSON.parse decodes in keys', () => {
    for (const key of [String.raw`\u005f_proto__`, String.raw`__\u0070roto__`, String.raw`\u005F\u005Fproto\u005f\u005f`]) {
      expect(refusalCode(`[1,{"t":"call","id":1,"path":"a/b","args":[{"${key}":{"admin":true}}]}]`)).toBe('MALFORMED');
    }
    // Other escapes in keys and values read as before.
    expect(decodeFrame(String.raw`[1,{"t":"result","id":1,"data":{"caf\u00e9":"\u0041"}}]`)).toEqual([{ t: 'result', id: 1, data: { café: 'A' } }]);
  });

  it('refuse another protocol version and frames without messages', () => {
    expect(refusalCode(JSON.stringify([PROTOCOL_VERSION + 1, { t: 'ping', id: 1 }]))).toBe('UNSUPPORTED_PROTOCOL');
    expect(refusalCode(JSON.stringify([PROTOCOL_VERSION]))).toBe('MALFORMED');
  });

  it('encode a frame of several messages as one JSON array', () => {
    const messages: ServerMessage[] = [{ t: 'pong', id: 1 }, result('x')];
    expect(JSON.parse(encodeFrame(messages))).toEqual([PROTOCOL_VERSION, ...messages]);
  });
});
