/**
 * Runs one protocol message through the real dispatcher on behalf of a user, with no socket:
 * how the DevTools replay a call or read a stream's server-side value. Guards, limits and
 * telemetry apply exactly as for a browser's message; publishes reach subscribers as usual.
 */
import type { WebSocket } from 'ws';
import { type ClientMessage, type ServerMessage } from '../../runtime/protocol.js';
import { decodeFrame, encodeFrame } from '../../runtime/server/frames.js';
import { Connection } from '../../runtime/server/connection.js';
import type { LiveUser } from '../../runtime/server/context.js';
import { handleFrame, unsubscribe } from '../../runtime/server/dispatch.js';
import type { Runtime } from '../../runtime/server/runtime.js';

const PROBE_TIMEOUT_MS = 30_000;

export interface ProbeResult {
  /** The id the probe's connection had (publishes name it as their cause). */
  connection: string;
  reply: ServerMessage;
}

/**
 * Sends `message` (a call or a subscription) and resolves with the message that answers it.
 * A subscription's snapshot is read and the subscription ended at once; one that has not
 * answered by the timeout is ended too (its probe closes), so a slow init leaves nothing behind.
 */
export function probe(
  runtime: Runtime,
  user: unknown,
  message: Extract<ClientMessage, { t: 'call' | 'sub' }>,
  timeoutMs = PROBE_TIMEOUT_MS
): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const socket = {
      readyState: 1,
      bufferedAmount: 0,
      // Text frames arrive as UTF-8 bytes sent with `{ binary: false }`; binary ones (a
      // live.binary result) answer nothing the probe waits for.
      send(frame: string | Uint8Array, options?: { binary?: boolean }) {
        if (typeof frame !== 'string' && options?.binary !== false) return;
        const text = typeof frame === 'string' ? frame : new TextDecoder().decode(frame);
        for (const reply of decodeFrame(text) as ServerMessage[]) {
          if (!('id' in reply) || reply.id !== message.id) continue;
          if (reply.t !== 'result' && reply.t !== 'error' && reply.t !== 'snapshot') continue;
          if (reply.t === 'snapshot') unsubscribe(runtime, conn, message.id);
          if (settled) return;
          finish();
          resolve({ connection: conn.id, reply });
          return;
        }
      },
      close() {
        socket.readyState = 3;
      },
      terminate() {
        socket.readyState = 3;
      },
      ping() {}
    };
    const conn = new Connection(
      socket as unknown as WebSocket,
      user as LiveUser,
      (topic, event, data, connection, callId) => runtime.publish(topic, event, data, connection, callId),
      runtime
    );
    const timer = setTimeout(() => {
      finish();
      // Closed, a subscription still being set up is not established (dispatch checks), and one
      // that was is ended here.
      socket.readyState = 3;
      for (const id of [...conn.subscriptions.keys()]) unsubscribe(runtime, conn, id);
      reject(new Error(`${message.path} did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const finish = () => {
      settled = true;
      clearTimeout(timer);
    };
    handleFrame(runtime, conn, encodeFrame([message]));
  });
}
