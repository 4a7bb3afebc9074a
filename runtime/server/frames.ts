/**
 * The server's frame codec: the protocol's encoder and decoder with devalue always at hand
 * (the browser's loads devalue on demand instead; see client/rich-codec.ts).
 */
import { stringify, unflatten } from 'devalue';
import { decodeFrameWith, encodeFrameWith, type ClientMessage, type ServerMessage } from '../protocol.js';

/** The frame of `messages` (the first `count` of them, when given). */
export function encodeFrame(messages: readonly (ClientMessage | ServerMessage | undefined)[], count = messages.length): string {
  return encodeFrameWith(messages, stringify, count)!;
}

export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return encodeFrameWith([message], stringify)!;
}

/** Reads a frame into its messages; throws ProtocolError for anything that is not one. */
export function decodeFrame(text: string): unknown[] {
  return decodeFrameWith(text, unflatten)!;
}
