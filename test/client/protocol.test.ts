import { describe, expect, it } from 'vitest';
import { argsKey, PROTOCOL_VERSION, ProtocolError, type ClientMessage, type ServerMessage } from '../../runtime/protocol.js';
import { decodeFrame, encodeFrame, encodeMessage } from '../../runtime/server/frames.js';

function refusal(text: string): { code: string; message: string } {
  try {
    decodeFrame(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return { code: (error as ProtocolError).code, message: (error as ProtocolError).message };
  }
  throw new Error('expected a ProtocolError');
}

describe('frames', () => {
  it('round-trip several messages of both directions in one frame, version first', () => {
    const messages: (ClientMessage | ServerMessage)[] = [
      { t: 'call', id: 1, path: 'chat/send', args: ['hi', new Date(5), new Map([[1, new Set([2n])]]), undefined] },
      { t: 'sub', id: 2, path: 'chat/room', args: ['a'], from: { epoch: 'e1', seq: 4 } },
      { t: 'unsub', id: 2 },
      { t: 'ping', id: 3 },
      { t: 'result', id: 1, data: undefined },
      { t: 'error', id: null, code: 'MALFORMED', message: 'bad' },
      { t: 'snapshot', id: 2, topic: 'room:a', position: { epoch: 'e1', seq: 0 }, merge: { merge: 'crud', key: 'id', max: 50 }, data: [] },
      { t: 'event', topic: 'room:a', seq: 1, event: 'created', data: { id: 1 } }
    ];
    const frame = encodeFrame(messages);
    expect(JSON.parse(frame)[1]).toBe(PROTOCOL_VERSION);
    expect(decodeFrame(frame)).toEqual(messages);
    expect((decodeFrame(frame)[0] as { args: unknown[] }).args).toHaveLength(4);
  });

  it('encodes one message as a frame of one', () => {
    const message: ServerMessage = { t: 'pong', id: 9 };
    expect(decodeFrame(encodeMessage(message))).toEqual([message]);
    expect(encodeMessage(message)).toBe(encodeFrame([message]));
  });

  it('keeps shared and cyclic references', () => {
    const shared = { n: 1 };
    const loop: { self?: unknown } = {};
    loop.self = loop;
    const [message] = decodeFrame(encodeFrame([{ t: 'result', id: 1, data: [shared, shared, loop] }])) as [{ data: [object, object, { self: unknown }] }];
    expect(message.data[0]).toBe(message.data[1]);
    expect(message.data[2].self).toBe(message.data[2]);
  });

  it('refuses what is not a frame with MALFORMED', () => {
    for (const text of ['', 'nope', '{', '[]', '{"a":1}', '[[1,2]]', JSON.stringify([[1], 1]), '[[],1]']) {
      expect(refusal(text).code, text).toBe('MALFORMED');
    }
  });

  it('refuses another version with UNSUPPORTED_PROTOCOL, saying which one it speaks', () => {
    const { code, message } = refusal(JSON.stringify([[1, 2], 99, { t: 3 }, 'ping']));
    expect(code).toBe('UNSUPPORTED_PROTOCOL');
    expect(message).toContain(`version ${PROTOCOL_VERSION}`);
    expect(message).toContain('99');
  });
});

describe('argsKey', () => {
  it('is empty for no arguments and equal for equal plain arguments', () => {
    expect(argsKey([])).toBe('');
    expect(argsKey(['a', 1, { x: [true, null] }])).toBe(argsKey(['a', 1, { x: [true, null] }]));
  });

  it('differs for different plain arguments, including types', () => {
    const keys = [argsKey(['1']), argsKey([1]), argsKey([null]), argsKey(['a', 'b']), argsKey(['a,b']), argsKey([{ a: 1 }]), argsKey([[1]])];
    expect(keys.every((k) => typeof k === 'string')).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has no key for arguments JSON cannot carry exactly, so they never share a store by mistake', () => {
    for (const args of [[new Date(0)], [1n], [undefined], [new Map()], [new Set([1])], [-0], [NaN]]) expect(argsKey(args)).toBeUndefined();
  });
});
