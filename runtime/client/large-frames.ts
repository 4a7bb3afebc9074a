/**
 * Messages too large to send together: the queue goes out one message per frame, and a message
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
