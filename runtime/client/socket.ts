/**
 * The page's one socket, shared by every RPC and stream. This file is the call path every RPC
 * runs through: a call enters the call table, its message waits in the outbox for the next
 * frame (every message queued in the same turn goes out together), and its reply is read from
 * a frame and settles it.
 *
 * The rest of what the socket does lives beside it, one part per file, as functions of the
 * socket: call-deadlines.ts (timeouts), binary-calls.ts (live.binary), subscriptions.ts
 * (streams and their topics), large-frames.ts (a queue larger than the server takes),
 * codec-wait.ts (frames waiting for devalue), reconnect.ts (open, drop, backoff, refusal),
 * resubscribe.ts (subscribing again on open), offline.ts (what waits while the socket is away),
 * heartbeat.ts (latency, dead links) and status.ts (the `connection` store, ping). The state
 * stays in this one object: the call path reads plain fields, and the DevTools' page tap reads
 * the ones `TappedSocket` names (a compile error here if one changes) and sets `tap`.
 */
import { decodeFrameWith, encodeFrameWith, type ClientMessage, type ErrorMessage, type EventMessage, type ServerMessage } from '../protocol.js';
import { flushBinary } from './binary-calls.js';
import { armDeadlines } from './call-deadlines.js';
import { flushAfterCodec, readAfterCodec } from './codec-wait.js';
import { sendInParts, sendOneByOne } from './large-frames.js';
import { startHeartbeat } from './heartbeat.js';
import { waitForSocket } from './offline.js';
import { opened } from './reconnect.js';
import { richCodec } from './rich-codec.js';
import { RpcError } from './rpc-error.js';
import { TAP_KEY, type TappedSocket } from '../devtools-wire/tap.js';
import { ping, pong, type ConnectionStatus } from './status.js';
import { signal } from './store.js';
import { addSubscription, deliverEvent, failSubscription, subscribed, type SubscriptionSink } from './subscriptions.js';

/** A call waiting for its answer. */
export interface PendingCall {
  resolve(value: unknown): void;
  reject(error: RpcError): void;
  /** When the call times out (performance.now() ms). */
  deadline: number;
  /** Named in the TIMEOUT error. */
  path: string;
  /** True once written to an open socket (a drop then fails it, since it may have run). */
  sent: boolean;
  /** The call's message, kept to send it again after a server's graceful close (1012) that did not run it; none for binary calls. */
  message?: ClientMessage;
}

export interface SocketOptions {
  /** Full WebSocket URL; defaults to this page's origin and the realtime path. */
  url?: string;
  /** RPC timeout in ms. */
  timeout: number;
  /** First reconnect delay cap in ms; doubles per attempt up to `maxDelay`. */
  baseDelay: number;
  maxDelay: number;
  /** Ping interval in ms (latency, dead-link detection); 0 turns the heartbeat off. */
  heartbeat: number;
  /** Calls that may wait for the socket at once; the next fails with OFFLINE. */
  maxQueue: number;
  /** How long a call may wait for the socket, in ms, before it fails with OFFLINE. */
  maxAge: number;
}

const resolved = Promise.resolve();

/** Send-queue slots kept between frames. */
const REUSED_QUEUE = 64;

/** Internal to runtime/client: its fields are shared with the files of its parts (see above). */
export class LiveSocket implements TappedSocket {
  readonly status = signal<ConnectionStatus>({ state: 'idle', attempts: 0, latency: null, connectionId: null, connection: null });
  ws: WebSocket | undefined;
  /** True from the server's hello until the socket goes: only then is anything sent. */
  ready = false;
  /** Set when the server refused the socket (4401/4403): every call fails with it until reconnect(). */
  refusal: RpcError | undefined;
  nextId = 1;
  /**
   * Calls waiting for an answer, by id. Id 0 (request ids start at 1) holds a placeholder that
   * never expires and was never sent, so every loop over the calls passes it by: it keeps the
   * Map from emptying, since an emptied Map reallocates its table, which sequential calls would
   * otherwise do on every call.
   */
  readonly calls = new Map<number, PendingCall>([[0, { resolve() {}, reject() {}, deadline: Infinity, path: '', sent: false }]]);
  /** Stream subscriptions by request id, and the topics they follow (see subscriptions.ts). */
  readonly subscriptions = new Map<number, SubscriptionSink>();
  readonly topics = new Map<string, Set<SubscriptionSink>>();
  readonly sinkTopics = new Map<SubscriptionSink, string>();
  /** Messages waiting for the next frame: the first `queued` slots, the array reused. */
  outbox: (ClientMessage | undefined)[] = [];
  queued = 0;
  /** Binary call frames waiting for the socket (live.binary), by request id. */
  readonly binaryOutbox = new Map<number, Uint8Array<ArrayBuffer>>();
  /**
   * Reads a binary frame (a live.binary result): set by the first binary call, so a page
   * without live.binary ships no binary frame reader.
   */
  readBinary: ((bytes: Uint8Array) => void) | undefined;
  /** Frames from the server waiting for devalue (see codec-wait.ts), oldest first. */
  inbox: string[] = [];
  inboxLoading = false;
  /** The one timer behind every call's timeout, and the deadline it is armed for (see call-deadlines.ts). */
  deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  armedFor = Infinity;
  private flushScheduled = false;
  /** The server's frame limit in bytes, from its hello. */
  maxFrame = Infinity;
  /** Most messages the server takes in one frame (its hello says); a longer queue goes out in several. */
  maxMessages = Infinity;
  /** Reconnect attempts since the socket was last open, and the timer of the next (see reconnect.ts). */
  attempts = 0;
  reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Hears events on topics no store follows: the server's signals (signals.ts), while the page listens. */
  onSignal: ((message: EventMessage) => void) | undefined;
  /** When each unanswered ping was sent, by id. */
  readonly pingSent = new Map<number, number>();
  /** The DevTools' page tap, in a dev page with the overlay watching: hears calls started and messages received. */
  tap: TappedSocket['tap'];

  constructor(readonly options: SocketOptions) {
    // The DevTools' registration point: only `vite dev` (with devtools on) installs one.
    (globalThis as { [key: symbol]: ((socket: LiveSocket) => void) | undefined })[TAP_KEY]?.(this);
  }

  /** Calls `path` with `args`; rejects with RpcError on refusal, timeout or a dropped socket. */
  call(path: string, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const message: ClientMessage = { t: 'call', id, path, args };
      this.track(id, { resolve, reject, deadline: performance.now() + this.options.timeout, path, sent: false, message });
      this.enqueue(message);
    });
  }

  subscribe(sink: SubscriptionSink): () => void {
    return addSubscription(this, sink);
  }

  /** Measures a round trip; the result lands in `status.latency`. */
  ping(): void {
    ping(this);
  }

  /** Registers a pending call; the deadline timer is re-armed only for an earlier deadline. */
  track(id: number, call: PendingCall): void {
    this.calls.set(id, call);
    this.tap?.({ t: 'call', id, path: call.path });
    if (call.deadline < this.armedFor) armDeadlines(this, call.deadline);
  }

  enqueue(message: ClientMessage): void {
    this.outbox[this.queued++] = message;
    if (this.ready) this.scheduleFlush();
    else waitForSocket(this, message);
  }

  scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // A resolved promise rather than queueMicrotask: as cheap in browsers, far cheaper in Node.
      resolved.then(this.flushNow);
    }
  }

  private readonly flushNow = (): void => this.flush();

  flush(): void {
    this.flushScheduled = false;
    if (!this.ready) return;
    const ws = this.ws!;
    if (this.binaryOutbox.size > 0) flushBinary(this, ws);
    // A burst of more messages than the server reads in one frame (310 clicks in one task): the
    // first part goes now, the rest in frames of its own.
    if (this.queued > this.maxMessages) sendInParts(this);
    const count = this.queued;
    if (count === 0) return;
    const rich = richCodec()?.stringify;
    const frame = encodeFrameWith(this.outbox, rich, count);
    // A value JSON cannot carry: the outbox waits for devalue.
    if (frame === undefined) return flushAfterCodec(this);
    if (frame.length <= this.maxFrame / 4 || new TextEncoder().encode(frame).length <= this.maxFrame) {
      ws.send(frame);
      // Emptied in place, the array kept for the next frame; a burst's long array is let go.
      for (let i = 0; i < count; i++) {
        this.markSent(this.outbox[i]!);
        this.outbox[i] = undefined;
      }
      if (count > REUSED_QUEUE) this.outbox = [];
      this.queued = 0;
      return;
    }
    sendOneByOne(this, ws, rich);
  }

  /** Empties the queue and returns what it held (a frame too large to send whole, or a reconnect). */
  takeQueued(): ClientMessage[] {
    const messages = this.outbox.slice(0, this.queued) as ClientMessage[];
    this.outbox = [];
    this.queued = 0;
    return messages;
  }

  /** A call written to an open socket may run: a drop from here on fails it instead of resending it. */
  markSent(message: ClientMessage): void {
    if (message.t !== 'call') return;
    const call = this.calls.get(message.id);
    if (call) call.sent = true;
  }

  /** The socket's message listener (see reconnect.ts): text frames, or bytes a live.binary handler returned. */
  readonly onMessage = (event: MessageEvent): void => {
    if (typeof event.data === 'string') this.receive(event.data);
    else this.readBinary?.(new Uint8Array(event.data as ArrayBuffer));
  };

  private receive(text: string): void {
    // Frames behind one that waits for devalue wait too, so messages are handled in order.
    if (this.inbox.length > 0) return readAfterCodec(this, text);
    this.read(text);
  }

  read(text: string): void {
    let messages: unknown[] | undefined;
    try {
      messages = decodeFrameWith(text, richCodec()?.unflatten);
    } catch (error) {
      console.error('[svelte-realtime] unreadable frame from the server:', error);
      return;
    }
    if (!messages) return readAfterCodec(this, text);
    for (const message of messages as ServerMessage[]) this.handle(message);
  }

  handle(message: ServerMessage): void {
    if (this.tap?.(message)) return;
    switch (message.t) {
      case 'hello':
        opened(this, message.connection, message.maxFrame, message.maxMessages);
        return startHeartbeat(this);
      case 'result': {
        const call = this.calls.get(message.id);
        if (!call) return;
        this.calls.delete(message.id);
        return call.resolve(message.data);
      }
      case 'error':
        return this.error(message);
      case 'snapshot':
      case 'resumed':
        return subscribed(this, message);
      case 'event':
        return deliverEvent(this, message);
      case 'pong':
        return pong(this, message.id);
    }
  }

  /** An error answer: it fails a call, or ends a subscription. */
  error(message: ErrorMessage): void {
    const error = new RpcError(message.code, message.message, message.details, message.stack);
    if (message.id === null) {
      console.error(`[svelte-realtime] server refused a frame: ${message.code}: ${message.message}`);
      return;
    }
    if (!this.fail(message.id, error)) failSubscription(this, message.id, error);
  }

  fail(id: number, error: RpcError): boolean {
    const call = this.calls.get(id);
    if (!call) return false;
    this.calls.delete(id);
    call.reject(error);
    return true;
  }
}
