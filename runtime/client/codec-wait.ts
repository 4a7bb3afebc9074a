/**
 * Frames waiting for devalue (see rich-codec.ts), both ways. A frame to send that JSON cannot
 * carry holds the outbox until devalue loads; a frame from the server written with devalue
 * holds the inbox, and the frames behind it wait too, so messages are handled in order.
 */
import { loadRichCodec } from './rich-codec.js';
import type { LiveSocket } from './socket.js';

const CODEC_UNAVAILABLE = '[svelte-realtime] could not load the codec for Dates, Maps and other rich values (reload the page if the app was redeployed):';

/** The outbox waits (in order) for devalue, then flushes. */
export function flushAfterCodec(socket: LiveSocket): void {
  loadRichCodec().then(() => socket.scheduleFlush(), (error: unknown) => console.error(CODEC_UNAVAILABLE, error));
}

/**
 * Queues `text` behind the frames already waiting; the first one loads devalue, then the
 * frames that waited are read. A failed load is retried by the next frame.
 */
export function readAfterCodec(socket: LiveSocket, text: string): void {
  socket.inbox.push(text);
  if (socket.inboxLoading) return;
  socket.inboxLoading = true;
  loadRichCodec().then(
    () => {
      socket.inboxLoading = false;
      const inbox = socket.inbox;
      socket.inbox = [];
      for (const frame of inbox) socket.read(frame);
    },
    (error: unknown) => {
      socket.inboxLoading = false;
      console.error(CODEC_UNAVAILABLE, error);
    }
  );
}
