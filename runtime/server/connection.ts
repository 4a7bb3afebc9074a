/**
 * One client connection: its socket, user, subscriptions and outgoing queue.
 *
 * Replies produced in the same tick leave in one frame; pre-encoded event frames keep their
 * place in the order. A connection that stops reading (its socket buffer passes
 * `limits.maxBufferedBytes`) is cut at once: a polite close frame would queue behind the data
 * the peer is not reading and hold it for ws's 30 s close timeout, where `terminate()` frees it
 * now. The peer sees 1006 and reconnects and resumes; the close hook sees 4008.
 */
import { randomInt } from 'node:crypto';
import type { WebSocket } from 'ws';
import { ErrorCode, PROTOCOL_VERSION, type ServerMessage } from '../protocol.js';
import { decodeFrame, encodeFrame, encodeMessage } from './frames.js';
import type { LiveContext, LiveUser } from './context.js';
import type { HandleErrorEvent } from './error-report.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { batchVia, type PublishTogether } from './publish-batch.js';
import { pacingVia, PublishPacing } from './publish-pacing.js';
import { signalVia } from './signals.js';
import type { TopicFrame, TopicSubscriber } from './topics.js';

export interface Subscription {
  id: number;
  path: string;
  topic: string;
  /** What the handler's `join` hook returned; runs when the subscription ends. */
  leave?: () => void;
}

/** What a connection needs from its runtime to report a reply it cannot encode. */
export interface ConnectionHost {
  /** Full error messages to the client. */
  readonly dev: boolean;
  /** Read on every write, so a new `load()` applies to open connections too. */
  readonly limits: Limits;
  logError(error: unknown, where: string): void;
  /** Logs an unexpected error and hands it to hooks.ws `handleError` (the runtime); else `logError`. */
  reportError?(error: unknown, event: HandleErrorEvent): unknown;
  /** Counts bytes handed to a socket, for the budget of all connections together (output-budget.ts). */
  wrote(bytes: number): void;
  /** Where ctx.throttle and ctx.debounce hold publishes (one per runtime). */
  readonly pacing: PublishPacing;
  /** Runs a ctx.batch's publishes so each subscriber gets them in one frame (the runtime's Topics.together). */
  readonly publishTogether: PublishTogether;
}

const consoleHost: ConnectionHost = {
  dev: false,
  limits: DEFAULT_LIMITS,
  logError: (error, where) => console.error(`[svelte-realtime] ${where}:`, error),
  wrote: () => {},
  pacing: new PublishPacing(),
  publishTogether: (publishes) => publishes()
};

/** The code the close hook and the DevTools see for a connection cut for not reading. */
export const CLOSE_SLOW_CONSUMER = 4008;

/** Queue slots a connection keeps between frames. */
const REUSED_QUEUE = 64;
/**
 * Events held for one topic while a subscription's init runs (see `hold`). Past it (or past
 * `limits.maxBufferedBytes` held over all topics) the oldest are let go and the newest kept: the
 * client then sees a gap after its snapshot and runs init again, never a silent one.
 */
export const MAX_HELD_EVENTS = 1024;

/**
 * Connection ids count up from a random start, so that instances of one app (a cluster) do not
 * hand out the same ids: presence keys guests by it, and signals address a connection by it.
 */
let connectionCounter = randomInt(2 ** 47);
const resolved = Promise.resolve();

/** Options for sending bytes as a text frame. */
const TEXT = { binary: false } as const;
let lastEventText: string | undefined;
let lastEventBytes: Buffer = Buffer.alloc(0);
/** How a JSON frame starts; a devalue frame (rich values) starts with `[[` and is sent alone. */
const JSON_FRAME_START = `[${PROTOCOL_VERSION},`;
let lastMerged: readonly string[] = [];
let lastMergedBytes: Buffer = Buffer.alloc(0);
let lastBatch: readonly string[] = [];
let lastBatchFrame = '';

/**
 * One frame holding every message of a batch's frames when some carry rich values (devalue
 * frames cannot be joined as text): decoded and encoded again as one. Every subscriber of the
 * same topics gets the same frames, so it is built once for all.
 */
function richBatchFrame(frames: readonly string[]): string {
  if (frames.length === lastBatch.length && frames.every((frame, i) => frame === lastBatch[i])) return lastBatchFrame;
  const messages = frames.flatMap((frame) => decodeFrame(frame)) as ServerMessage[];
  lastBatch = frames;
  lastBatchFrame = encodeFrame(messages);
  return lastBatchFrame;
}

/**
 * The UTF-8 bytes of one frame holding every message of `frames` (JSON event frames, in order).
 * Subscribers of the same topics get the same events in a tick: the frame is built once for all.
 */
function mergedEventBytes(frames: readonly string[]): Buffer {
  if (frames.length === lastMerged.length && frames.every((frame, i) => frame === lastMerged[i])) return lastMergedBytes;
  let text = JSON_FRAME_START;
  for (let i = 0; i < frames.length; i++) text += (i === 0 ? '' : ',') + frames[i]!.slice(JSON_FRAME_START.length, -1);
  lastMerged = frames;
  lastMergedBytes = Buffer.from(`${text}]`);
  return lastMergedBytes;
}

/**
 * The UTF-8 bytes of an event frame. A publish hands the same string to every subscriber in
 * turn, so it is converted once per publish instead of once per socket.
 */
function eventBytes(frame: string): Buffer {
  if (frame !== lastEventText) {
    lastEventBytes = Buffer.from(frame);
    lastEventText = frame;
  }
  return lastEventBytes;
}

/** What a ctx publishes with: all of it bound to one publish function. */
type Publishers = Pick<LiveContext, 'publish' | 'batch' | 'signal' | 'throttle' | 'debounce'>;

export class Connection implements TopicSubscriber {
  readonly id = `c${(++connectionCounter).toString(36)}`;
  readonly subscriptions = new Map<number, Subscription>();
  /** Subscription ids accepted but not yet established (their guards or topic still running). */
  readonly pendingSubscriptions = new Set<number>();
  inFlight = 0;
  alive = true;
  /** Set when the server cut the socket itself: the code its close is reported with (the peer sees 1006). */
  cutWith: number | undefined;
  /**
   * Messages queued in this tick: the first `queued` slots of `outbox`. The arrays are kept and
   * reused, so a reply allocates no queue of its own.
   */
  private readonly outbox: (ServerMessage | undefined)[] = [];
  /** For each queued message, what produced it (a `module/export` path), for error reports. */
  private readonly origins: (string | undefined)[] = [];
  private queued = 0;
  private flushScheduled = false;
  /** While a frame's messages are handled: replies wait for `endBatch` instead of a microtask. */
  private batching = false;
  /**
   * Event frames published in this tick, sent together when it ends: a burst of publishes (or
   * of events arriving from a cluster's bus) costs each socket one write, not one per event.
   */
  private events: string[] = [];
  private eventsScheduled = false;
  /** Topics whose events wait for a snapshot still being computed (see `hold`). */
  private held: Map<string, { holds: number; frames: string[] }> | undefined;
  /** Characters of the frames in `held`, over all topics. */
  private heldChars = 0;

  constructor(
    readonly socket: WebSocket,
    readonly user: LiveUser,
    private readonly publish: (topic: string, event: string, data: unknown, connection?: string, callId?: number) => void,
    private readonly host: ConnectionHost = consoleHost,
    /** Where the client connects from (see client-address.ts); undefined for a connection with no client (a DevTools probe). */
    readonly address?: string
  ) {
    // Here, not as a field: fields are set before the parameters above, and this needs `host`.
    this.fromHere = this.publishers(this.publishFromHere);
  }

  /**
   * Queues a message; everything queued in this tick is sent as one frame. `origin` (the path
   * that produced it) names the culprit if the message cannot be encoded.
   */
  send(message: ServerMessage, origin?: string): void {
    this.outbox[this.queued] = message;
    this.origins[this.queued++] = origin;
    if (!this.flushScheduled && !this.batching) {
      this.flushScheduled = true;
      // Not queueMicrotask: Node wraps each of those in an AsyncResource, several times the cost.
      resolved.then(this.flush);
    }
  }

  /**
   * Handling one incoming frame: what its messages answer at once leaves together when
   * `endBatch` runs, in the same turn, with no microtask of its own. Answers that come later
   * (an async handler) are queued and flushed as usual.
   */
  beginBatch(): void {
    this.batching = true;
  }

  endBatch(): void {
    this.batching = false;
    if (this.queued > 0) this.flush();
  }

  /** Sends an already encoded frame (text, or binary for live.binary results), after anything queued. */
  sendFrame(frame: string | Uint8Array): void {
    if (this.queued > 0) this.flush();
    else if (this.events.length > 0) this.flushEvents();
    this.write(frame);
  }

  /** A publish to a topic this connection follows (the same frame goes to every subscriber). */
  sendEvent(topic: string, frame: string): void {
    const held = this.held?.get(topic);
    if (held) {
      held.frames.push(frame);
      this.heldChars += frame.length;
      if (held.frames.length > MAX_HELD_EVENTS || this.heldChars > this.host.limits.maxBufferedBytes) this.letGoOldest(held.frames);
      return;
    }
    this.queueEvent(frame);
  }

  /** Queues an event frame for the end of the tick, after the replies queued before it. */
  private queueEvent(frame: string): void {
    if (this.queued > 0) this.flush();
    this.events.push(frame);
    if (!this.eventsScheduled) {
      this.eventsScheduled = true;
      resolved.then(this.flushEvents);
    }
  }

  /**
   * The events of one batch (ctx.batch), in one frame: JSON frames are queued side by side and
   * leave joined with this tick's others; a batch carrying rich values is made one frame here.
   * Events of a topic held for a snapshot wait for it as any event does.
   */
  sendEvents(events: readonly TopicFrame[]): void {
    const frames: string[] = [];
    let rich = false;
    for (const { topic, frame } of events) {
      if (this.held?.has(topic)) this.sendEvent(topic, frame);
      else {
        frames.push(frame);
        rich ||= !frame.startsWith(JSON_FRAME_START);
      }
    }
    if (!rich || frames.length < 2) for (const frame of frames) this.queueEvent(frame);
    else this.queueEvent(richBatchFrame(frames));
  }

  /** Sends this tick's events: consecutive JSON frames as one frame, in order. */
  readonly flushEvents = (): void => {
    this.eventsScheduled = false;
    const frames = this.events;
    if (frames.length === 0) return;
    this.events = [];
    if (frames.length === 1) return this.write(eventBytes(frames[0]!), TEXT);
    let start = 0;
    for (let i = 0; i <= frames.length; i++) {
      if (i < frames.length && frames[i]!.startsWith(JSON_FRAME_START)) continue;
      // frames[start..i) are JSON; frames[i], if any, is a devalue frame, sent alone.
      if (i - start === 1) this.write(eventBytes(frames[start]!), TEXT);
      else if (i - start > 1) this.write(mergedEventBytes(frames.slice(start, i)), TEXT);
      if (i < frames.length) this.write(eventBytes(frames[i]!), TEXT);
      start = i + 1;
    }
  };

  /**
   * Holds the topic's events while a subscription's init runs, so the client always gets the
   * snapshot first and the events after it in order.
   */
  hold(topic: string): void {
    this.held ??= new Map();
    const held = this.held.get(topic);
    if (held) held.holds++;
    else this.held.set(topic, { holds: 1, frames: [] });
  }

  /** Ends one hold; the last one sends what was held. */
  release(topic: string): void {
    const held = this.held?.get(topic);
    if (!held || --held.holds > 0) return;
    this.held!.delete(topic);
    for (const frame of held.frames) {
      this.heldChars -= frame.length;
      this.sendFrame(frame);
    }
  }

  /** Events held for `topic` now (a bounded number: see MAX_HELD_EVENTS). */
  heldEvents(topic: string): number {
    return this.held?.get(topic)?.frames.length ?? 0;
  }

  /** Drops the older half of a topic's held events (at least one, never the newest). */
  private letGoOldest(frames: string[]): void {
    const gone = frames.splice(0, Math.max(1, Math.min(frames.length - 1, frames.length >> 1)));
    for (const frame of gone) this.heldChars -= frame.length;
  }

  /**
   * The `ctx` handlers receive, a new one for each call. `callId` ties publishes to the call
   * that caused them (telemetry's `cause`); without one, every ctx shares the connection's
   * publish function instead of a closure of its own.
   */
  context(callId?: number): LiveContext {
    const from = callId === undefined ? this.fromHere : this.fromCall(callId);
    return {
      user: this.user,
      connectionId: this.id,
      connection: this.id,
      address: this.address,
      publish: from.publish,
      batch: from.batch,
      signal: from.signal,
      throttle: from.throttle,
      debounce: from.debounce
    };
  }

  private readonly publishFromHere: LiveContext['publish'] = (topic, event, data) => this.publish(topic, event, data, this.id);
  /** What a ctx publishes and signals with when no call is named (shared by every such ctx). */
  private readonly fromHere: Publishers;

  private fromCall(callId: number): Publishers {
    return this.publishers((topic, event, data) => this.publish(topic, event, data, this.id, callId));
  }

  private publishers(publish: LiveContext['publish']): Publishers {
    return { publish, batch: batchVia(this.host.publishTogether, publish), signal: signalVia(publish), ...pacingVia(this.host.pacing, publish) };
  }

  readonly flush = (): void => {
    this.flushScheduled = false;
    // Events queued before these replies leave first (sendEvent sends earlier replies first).
    if (this.events.length > 0) this.flushEvents();
    const count = this.queued;
    if (count === 0) return;
    const { outbox, origins } = this;
    let frame: string;
    try {
      frame = encodeFrame(outbox, count);
    } catch {
      frame = encodeFrame(outbox.slice(0, count).map((message, i) => this.encodable(message!, origins[i])));
    } finally {
      // Emptied whatever happens, so nothing is sent twice and no message outlives its frame.
      // A burst's long queue is let go rather than kept for the life of the connection.
      if (count > REUSED_QUEUE) outbox.length = origins.length = 0;
      else {
        for (let i = 0; i < count; i++) outbox[i] = origins[i] = undefined;
      }
      this.queued = 0;
    }
    this.write(frame);
  };

  /**
   * The message itself if it can be encoded; otherwise (a handler returned a function or a
   * class instance devalue cannot keep) an INTERNAL error answering the same id, so one bad
   * value fails one call instead of the whole frame or the process.
   */
  private encodable(message: ServerMessage, origin: string | undefined): ServerMessage {
    try {
      encodeMessage(message);
      return message;
    } catch (error) {
      const where = `${origin ?? 'reply'}: its ${message.t === 'error' ? 'error details' : 'value'} cannot be sent`;
      const logged = `${where} (return plain data: objects, arrays, Date, Map, Set, BigInt)`;
      if (this.host.reportError) this.host.reportError(error, { path: origin ?? '', user: this.user, kind: message.t === 'result' ? 'call' : 'server', where: logged });
      else this.host.logError(error, logged);
      const id = 'id' in message ? message.id : null;
      const detail = error instanceof Error ? error.message : String(error);
      return { t: 'error', id, code: ErrorCode.INTERNAL, message: this.host.dev ? `${where}: ${detail}` : 'Internal error' };
    }
  }

  /** Bytes written to this connection and not yet taken by the network. */
  get buffered(): number {
    return this.socket.bufferedAmount;
  }

  /** Ends the socket at once, dropping what it has not sent (see the file's comment). */
  cut(code: number): void {
    this.cutWith ??= code;
    this.socket.terminate();
  }

  private write(frame: string | Uint8Array, options?: { binary: boolean }): void {
    const socket = this.socket;
    if (socket.readyState !== 1) return;
    if (socket.bufferedAmount > this.host.limits.maxBufferedBytes) {
      this.cut(CLOSE_SLOW_CONSUMER);
      return;
    }
    // A text frame leaves as its UTF-8 bytes: ws sends a Buffer as it is, where a string costs
    // it a length count and the socket a copy into memory allocated for that one write.
    if (typeof frame === 'string') socket.send(Buffer.from(frame), TEXT);
    else if (options) socket.send(frame, options);
    else socket.send(frame);
    this.host.wrote(frame.length);
  }
}
