/**
 * The page's one socket: opened on first use, shared by every RPC and stream, reconnected with
 * exponential backoff and full jitter, and resubscribing each stream from its last position.
 */
import {
  BinaryFrameType,
  decodeFrameWith,
  encodeBinaryFrame,
  encodeFrameWith,
  ErrorCode,
  readBinaryBody,
  readBinaryHeader,
  SOCKET_PATH,
  type ClientMessage,
  type ErrorMessage,
  type EventMessage,
  type MergeOptions,
  type ServerMessage,
  type SubscribeMessage,
  type TopicPosition
} from '../protocol.js';
import { loadRichCodec, richCodec } from './rich-codec.js';
import { RpcError } from './rpc-error.js';
import { signal, type Readable } from './store.js';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Reconnect attempts since the socket was last open. */
  attempts: number;
  /** Round trip of the last ping, in ms. */
  latency: number | null;
  /** The server's id for this connection. */
  connection: string | null;
}

/** What a stream store gives the socket to be told about its subscription. */
export interface SubscriptionSink {
  path: string;
  args: unknown[];
  /** Where to resume from after a reconnect; undefined to start fresh. */
  position(): TopicPosition | undefined;
  snapshot(topic: string, position: TopicPosition, merge: MergeOptions, data: unknown): void;
  resumed(topic: string, merge: MergeOptions): void;
  event(message: EventMessage): void;
  error(error: RpcError): void;
  /** The store's current value (read by the DevTools). */
  value?(): unknown;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: RpcError): void;
  /** When the call times out (performance.now() ms). */
  deadline: number;
  /** Named in the TIMEOUT error. */
  path: string;
  /** True once written to an open socket (a drop then fails it, since it may have run). */
  sent: boolean;
}

export interface SocketOptions {
  /** Full WebSocket URL; defaults to this page's origin and the realtime path. */
  url?: string;
  /** RPC timeout in ms. */
  timeout: number;
  /** First reconnect delay cap in ms; doubles per attempt up to `maxDelay`. */
  baseDelay: number;
  maxDelay: number;
}

const resolved = Promise.resolve();

/** Send-queue slots kept between frames. */
const REUSED_QUEUE = 64;

const CODEC_UNAVAILABLE = '[svelte-realtime] could not load the codec for Dates, Maps and other rich values (reload the page if the app was redeployed):';

export class LiveSocket {
  readonly status = signal<ConnectionStatus>({ state: 'idle', attempts: 0, latency: null, connection: null });
  private ws: WebSocket | undefined;
  private nextId = 1;
  /**
   * Calls waiting for an answer, by id. Id 0 (request ids start at 1) holds a placeholder that
   * never expires and was never sent, so every loop over the calls passes it by: it keeps the
   * Map from emptying, since an emptied Map reallocates its table, which sequential calls would
   * otherwise do on every call.
   */
  private readonly calls = new Map<number, PendingCall>([[0, { resolve() {}, reject() {}, deadline: Infinity, path: '', sent: false }]]);
  private readonly subscriptions = new Map<number, SubscriptionSink>();
  private readonly topics = new Map<string, Set<SubscriptionSink>>();
  private readonly sinkTopics = new Map<SubscriptionSink, string>();
  /** Messages waiting for the next frame: the first `queued` slots, the array reused. */
  private outbox: (ClientMessage | undefined)[] = [];
  private queued = 0;
  /** Binary call frames waiting for the socket (live.binary), by request id. */
  private binaryOutbox = new Map<number, Uint8Array<ArrayBuffer>>();
  /** Frames from the server waiting for devalue (see rich-codec.ts), oldest first. */
  private inbox: string[] = [];
  /** The one timer behind every call's timeout (see `track`). */
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;
  private inboxLoading = false;
  private flushScheduled = false;
  private maxFrame = Infinity;
  private attempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingSent = new Map<number, number>();

  constructor(readonly options: SocketOptions) {
    // The DevTools' registration point: only `vite dev` (with devtools on) installs one.
    (globalThis as { [key: symbol]: ((socket: LiveSocket) => void) | undefined })[Symbol.for('svelte-realtime.tap')]?.(this);
  }

  /** Calls `path` with `args`; rejects with RpcError on refusal, timeout or a dropped socket. */
  call(path: string, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const message: ClientMessage = { t: 'call', id, path, args };
      this.track(id, { resolve, reject, deadline: performance.now() + this.options.timeout, path, sent: false });
      this.enqueue(message);
    });
  }

  /**
   * Calls a live.binary handler: `payload` travels in a binary frame with `args` beside it.
   * Resolves with a Uint8Array when the handler returns bytes, else with its value.
   */
  callBinary(path: string, payload: Uint8Array, args: unknown[]): Promise<unknown> {
    // Extra arguments travel as devalue text.
    const rich = richCodec();
    if (args.length > 0 && !rich) return loadRichCodec().then(() => this.callBinary(path, payload, args));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const argsText = args.length > 0 ? rich!.stringify(args) : '';
      const frame = encodeBinaryFrame({ type: BinaryFrameType.call, id, path, argsText, payload });
      this.track(id, { resolve, reject, deadline: performance.now() + this.options.timeout, path, sent: false });
      this.binaryOutbox.set(id, frame);
      if (this.ws?.readyState !== 1) this.connect();
      else this.scheduleFlush();
    });
  }

  /**
   * Registers a pending call. One timer serves every call: it is armed for the earliest deadline
   * and re-armed when it fires, so a call costs no timer of its own.
   */
  private track(id: number, call: PendingCall): void {
    this.calls.set(id, call);
    // Deadlines usually only grow; a shorter timeout set meanwhile re-arms the timer earlier.
    if (call.deadline < this.armedFor) this.armDeadlines(call.deadline);
  }

  private armDeadlines(deadline: number): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.armedFor = deadline;
    const timer = setTimeout(this.expireCalls, Math.max(0, deadline - performance.now()));
    // In Node, a timer left armed after the last answer must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
    this.deadlineTimer = timer;
  }

  /** Rejects every call past its deadline with TIMEOUT, then re-arms for the next deadline. */
  private readonly expireCalls = (): void => {
    this.deadlineTimer = undefined;
    this.armedFor = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [id, call] of this.calls) {
      if (call.deadline > now) {
        next = Math.min(next, call.deadline);
        continue;
      }
      this.calls.delete(id);
      this.binaryOutbox.delete(id);
      call.reject(new RpcError(ErrorCode.TIMEOUT, `${call.path} did not answer within ${this.options.timeout} ms`));
    }
    if (next !== Infinity) this.armDeadlines(next);
  };

  subscribe(sink: SubscriptionSink): () => void {
    const id = this.nextId++;
    this.subscriptions.set(id, sink);
    this.enqueue(this.subscribeMessage(id, sink));
    return () => {
      if (!this.subscriptions.delete(id)) return;
      this.forgetTopic(sink);
      if (this.ws?.readyState === 1) this.enqueue({ t: 'unsub', id });
    };
  }

  /** Starts a subscription again from scratch (after a gap in sequence numbers). */
  resubscribe(sink: SubscriptionSink): void {
    for (const [id, s] of this.subscriptions) {
      if (s !== sink) continue;
      this.enqueue({ t: 'unsub', id });
      this.subscriptions.delete(id);
      this.forgetTopic(sink);
      const fresh = this.nextId++;
      this.subscriptions.set(fresh, sink);
      this.enqueue({ t: 'sub', id: fresh, path: sink.path, args: sink.args });
      return;
    }
  }

  /** Measures a round trip; the result lands in `status.latency`. */
  ping(): void {
    const id = this.nextId++;
    this.pingSent.set(id, performance.now());
    this.enqueue({ t: 'ping', id });
  }

  private subscribeMessage(id: number, sink: SubscriptionSink): SubscribeMessage {
    const from = sink.position();
    return from ? { t: 'sub', id, path: sink.path, args: sink.args, from } : { t: 'sub', id, path: sink.path, args: sink.args };
  }

  private enqueue(message: ClientMessage): void {
    this.outbox[this.queued++] = message;
    if (this.ws?.readyState !== 1) {
      this.connect();
      return;
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // A resolved promise rather than queueMicrotask: as cheap in browsers, far cheaper in Node.
      resolved.then(this.flushNow);
    }
  }

  private readonly flushNow = (): void => this.flush();

  private flush(): void {
    this.flushScheduled = false;
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return;
    this.flushBinary(ws);
    const count = this.queued;
    if (count === 0) return;
    const rich = richCodec()?.stringify;
    const frame = encodeFrameWith(this.outbox, rich, count);
    if (frame === undefined) {
      // A value JSON cannot carry: the outbox waits (in order) for devalue, then flushes.
      loadRichCodec().then(() => this.scheduleFlush(), (error: unknown) => console.error(CODEC_UNAVAILABLE, error));
      return;
    }
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
    // Too large together: send one by one, refusing locally what the server would refuse.
    for (const message of this.takeQueued()) {
      // Each message of a frame that encoded encodes alone with the same codec.
      const single = encodeFrameWith([message], rich)!;
      if (new TextEncoder().encode(single).length > this.maxFrame) {
        // A call rejects; a subscription reports it on its store's error.
        this.error({ t: 'error', id: message.id, code: ErrorCode.FRAME_TOO_LARGE, message: `Message is larger than the server's limit of ${this.maxFrame} bytes` });
      } else {
        ws.send(single);
        this.markSent(message);
      }
    }
  }

  /** Empties the queue and returns what it held (a frame too large to send whole, or a reconnect). */
  private takeQueued(): ClientMessage[] {
    const messages = this.outbox.slice(0, this.queued) as ClientMessage[];
    this.outbox = [];
    this.queued = 0;
    return messages;
  }

  private flushBinary(ws: WebSocket): void {
    if (this.binaryOutbox.size === 0) return; // the usual case: no iterator per flush
    for (const [id, frame] of this.binaryOutbox) {
      const call = this.calls.get(id);
      if (call) {
        ws.send(frame);
        call.sent = true;
      }
    }
    this.binaryOutbox.clear();
  }

  /** A call written to an open socket may run: a drop from here on fails it instead of resending it. */
  private markSent(message: ClientMessage): void {
    if (message.t !== 'call') return;
    const call = this.calls.get(message.id);
    if (call) call.sent = true;
  }

  private connect(): void {
    if (this.ws || this.reconnectTimer || typeof WebSocket === 'undefined') return;
    const url = this.options.url ?? new URL(SOCKET_PATH, location.href).href.replace(/^http/, 'ws');
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.setStatus({ state: this.attempts > 0 ? 'reconnecting' : 'connecting' });
    ws.onmessage = (event) => {
      if (typeof event.data === 'string') this.receive(event.data);
      else this.receiveBinary(new Uint8Array(event.data as ArrayBuffer));
    };
    ws.onclose = () => this.closed(ws);
    // A failed connection is always followed by close, which schedules the retry. Listening
    // also keeps WebSocket implementations that throw unheard errors (ws in Node) from crashing.
    ws.onerror = () => {};
  }

  private opened(connection: string, maxFrame: number): void {
    this.attempts = 0;
    this.maxFrame = maxFrame;
    this.setStatus({ state: 'open', attempts: 0, connection });
    // Resubscribe everything, then send what waited for the socket.
    // Calls that timed out while the socket was away are not sent late: their caller has moved on.
    const queued = this.takeQueued().filter((m) => (m.t === 'call' && this.calls.has(m.id)) || m.t === 'ping');
    for (const [id, sink] of this.subscriptions) this.outbox[this.queued++] = this.subscribeMessage(id, sink);
    for (const message of queued) this.outbox[this.queued++] = message;
    this.flush();
  }

  private closed(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    this.topics.clear();
    this.sinkTopics.clear();
    for (const [id, call] of this.calls) {
      if (!call.sent) continue;
      this.fail(id, new RpcError(ErrorCode.DISCONNECTED, 'The connection dropped before the server answered; the call may or may not have run'));
    }
    if (this.calls.size === 1 && this.subscriptions.size === 0) {
      this.setStatus({ state: 'idle', connection: null });
      return;
    }
    const cap = Math.min(this.options.maxDelay, this.options.baseDelay * 2 ** this.attempts);
    this.attempts++;
    this.setStatus({ state: 'reconnecting', attempts: this.attempts, connection: null });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, Math.random() * cap);
  }

  private receive(text: string): void {
    // Frames behind one that waits for devalue wait too, so messages are handled in order.
    if (this.inbox.length > 0) {
      this.inbox.push(text);
      if (!this.inboxLoading) this.readInboxWhenReady();
      return;
    }
    this.read(text);
  }

  private read(text: string): void {
    let messages: unknown[] | undefined;
    try {
      messages = decodeFrameWith(text, richCodec()?.unflatten);
    } catch (error) {
      console.error('[svelte-realtime] unreadable frame from the server:', error);
      return;
    }
    if (!messages) {
      this.inbox.push(text);
      this.readInboxWhenReady();
      return;
    }
    for (const message of messages as ServerMessage[]) this.handle(message);
  }

  /** Loads devalue, then reads the frames that waited for it; a failed load is retried by the next frame. */
  private readInboxWhenReady(): void {
    this.inboxLoading = true;
    loadRichCodec().then(
      () => {
        this.inboxLoading = false;
        const inbox = this.inbox;
        this.inbox = [];
        for (const text of inbox) this.read(text);
      },
      (error: unknown) => {
        this.inboxLoading = false;
        console.error(CODEC_UNAVAILABLE, error);
      }
    );
  }

  /** A binary result (a live.binary handler returned bytes). */
  private receiveBinary(bytes: Uint8Array): void {
    try {
      const header = readBinaryHeader(bytes);
      if (header.type !== BinaryFrameType.result) return;
      this.handle({ t: 'result', id: header.id, data: readBinaryBody(bytes, header).payload.slice() });
    } catch (error) {
      console.error('[svelte-realtime] unreadable binary frame from the server:', error);
    }
  }

  private handle(message: ServerMessage): void {
    switch (message.t) {
      case 'hello':
        return this.opened(message.connection, message.maxFrame);
      case 'result': {
        const call = this.calls.get(message.id);
        if (!call) return;
        this.calls.delete(message.id);
        return call.resolve(message.data);
      }
      case 'error':
        return this.error(message);
      case 'snapshot':
      case 'resumed': {
        const sink = this.subscriptions.get(message.id);
        if (!sink) return;
        this.rememberTopic(sink, message.topic);
        if (message.t === 'snapshot') sink.snapshot(message.topic, message.position, message.merge, message.data);
        else sink.resumed(message.topic, message.merge);
        return;
      }
      case 'event': {
        const sinks = this.topics.get(message.topic);
        if (sinks) for (const sink of sinks) sink.event(message);
        return;
      }
      case 'pong': {
        const sent = this.pingSent.get(message.id);
        this.pingSent.delete(message.id);
        if (sent !== undefined) this.setStatus({ latency: performance.now() - sent });
        return;
      }
    }
  }

  private error(message: ErrorMessage): void {
    const error = new RpcError(message.code, message.message, message.details, message.stack);
    if (message.id === null) {
      console.error(`[svelte-realtime] server refused a frame: ${message.code}: ${message.message}`);
      return;
    }
    if (this.fail(message.id, error)) return;
    const sink = this.subscriptions.get(message.id);
    if (sink) {
      this.subscriptions.delete(message.id);
      this.forgetTopic(sink);
      sink.error(error);
    }
  }

  private fail(id: number, error: RpcError): boolean {
    const call = this.calls.get(id);
    if (!call) return false;
    this.calls.delete(id);
    call.reject(error);
    return true;
  }

  private rememberTopic(sink: SubscriptionSink, topic: string): void {
    this.forgetTopic(sink);
    let sinks = this.topics.get(topic);
    if (!sinks) this.topics.set(topic, (sinks = new Set()));
    sinks.add(sink);
    this.sinkTopics.set(sink, topic);
  }

  private forgetTopic(sink: SubscriptionSink): void {
    const topic = this.sinkTopics.get(sink);
    if (topic === undefined) return;
    this.sinkTopics.delete(sink);
    const sinks = this.topics.get(topic);
    sinks?.delete(sink);
    if (sinks?.size === 0) this.topics.delete(topic);
  }

  private setStatus(patch: Partial<ConnectionStatus>): void {
    this.status.set({ ...this.status.get(), ...patch });
  }
}

export type { Readable };
