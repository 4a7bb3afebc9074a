/**
 * Queues a frame cannot carry whole. Too many messages (`sendInParts`): the queue is cut into
 * parts of the server's `maxMessages`, each flushed as a frame of its own. Too large
 * (`sendOneByOne`): the queue goes out one message per frame, and a message
 * larger than the server's limit on its own is refused here, as the server would refuse it
 * (a call rejects, a subscription reports it on its store's error).
 */
import { encodeFrameWith, ErrorCode, type RichStringify } from '../protocol.js';
import type { LiveSocket } from './socket.js';

export function sendOneByOne(socket: LiveSocket, ws: WebSocket, rich: RichStringify | undefined): void {
  for (const message of socket.takeQueued()) {
    // Each message of a frame that encoded encodes alone with the same codec.
    const single = encodeFrameWith([message], rich)!;
    if (new TextEncoder().encode(single).length > socket.maxFrame) {
      socket.error({ t: 'error', id: message.id, code: ErrorCode.FRAME_TOO_LARGE, message: `Message is larger than the server's limit of ${socket.maxFrame} bytes` });
    } else {
      ws.send(single);
      socket.markSent(message);
    }
  }
}

/** Flushes the queue's first `maxMessages`, again and again, until what is left fits one frame. */
export function sendInParts(socket: LiveSocket): void {
  const rest = socket.takeQueued();
  const part = socket.maxMessages;
  for (let start = 0; start < rest.length; start += part) {
    for (const message of rest.slice(start, start + part)) socket.outbox[socket.queued++] = message;
    if (start + part < rest.length) socket.flush();
  }
}
