/**
 * The dispatcher: from an incoming frame to the handler it names, and back.
 *
 * Every refusal answers the message it refuses with a typed error; the connection and every
 * other client keep working.
 */
import {
  ErrorCode,
  ProtocolError,
  type CallMessage,
  type ErrorMessage,
  type SubscribeMessage
} from '../protocol.js';
import { decodeClientFrame, encodeMessage } from './frames.js';
import type { Connection, Subscription } from './connection.js';
import { isLiveError, LiveError } from './errors.js';
import type { LiveContext } from './context.js';
import type { HandleErrorEvent, HandleErrorResult } from './error-report.js';
import type { WsHooks } from './hooks.js';
import { messageId, readClientMessage, type Limits } from './limits.js';
import type { Metrics } from './metrics.js';
import { runHandle } from './middleware.js';
import type { ModuleRecord, Registry, RegistryEntry } from './registry.js';
import { initOnce } from './shared-init.js';
import { isSubscribable, type Subscribable } from './subscribable.js';
import type { Telemetry } from './telemetry.js';
import type { Joined, Topics } from './topics.js';

export interface DispatchContext {
  registry: Registry;
  topics: Topics;
  telemetry: Telemetry;
  limits: Limits;
  dev: boolean;
  /** The app's hooks.ws: `handle` wraps calls and subscriptions. */
  hooks: WsHooks;
  /** Counting for Prometheus; undefined while metrics are off (the default). */
  metrics: Metrics | undefined;
  /**
   * Logs an unexpected error and hands it to hooks.ws `handleError`; resolves with what the
   * caller is to see (undefined: the default). Never rejects.
   */
  reportError(error: unknown, event: HandleErrorEvent): HandleErrorResult | undefined | Promise<HandleErrorResult | undefined>;
}

/**
 * Turns any thrown value into the error message the client receives; `shown` is what
 * `handleError` chose to show for an unexpected error.
 */
export function errorMessage(id: number | null, error: unknown, dev: boolean, shown?: HandleErrorResult): ErrorMessage {
  if (isLiveError(error)) {
    const message: ErrorMessage = { t: 'error', id, code: error.code, message: error.message };
    if (error.details !== undefined) message.details = error.details;
    return message;
  }
  if (error instanceof ProtocolError) return { t: 'error', id, code: error.code, message: error.message };
  const e = error instanceof Error ? error : new Error(String(error));
  if (shown) {
    const { message, ...details } = shown;
    const answer: ErrorMessage = { t: 'error', id, code: ErrorCode.INTERNAL, message };
    if (Object.keys(details).length > 0) answer.details = details;
    if (dev) answer.stack = e.stack;
    return answer;
  }
  if (!dev) return { t: 'error', id, code: ErrorCode.INTERNAL, message: 'Internal error' };
  return { t: 'error', id, code: ErrorCode.INTERNAL, message: e.message, stack: e.stack };
}

/**
 * The error message for a failed call or subscription. An unexpected error (not a LiveError,
 * not the client's malformed input) is reported first; when `handleError` answers later, so
 * does this (a promise).
 */
export function failureMessage(dc: DispatchContext, id: number, error: unknown, event: HandleErrorEvent): ErrorMessage | Promise<ErrorMessage> {
  if (isLiveError(error) || error instanceof ProtocolError) return errorMessage(id, error, dc.dev);
  const shown = dc.reportError(error, event);
  if (isPromiseLike(shown)) return Promise.resolve(shown).then((answer) => errorMessage(id, error, dc.dev, answer));
  return errorMessage(id, error, dc.dev, shown);
}

export function unknownPath(path: string, kind: string): LiveError {
  return new LiveError(
    ErrorCode.UNKNOWN_PATH,
    `No live ${kind} at ${JSON.stringify(path.slice(0, 120))}. Export it from src/live/ and import it from $live/...`
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** Runs a module's guards; a check returning false refuses with FORBIDDEN. */
async function runModuleGuards(module: ModuleRecord, ctx: LiveContext): Promise<void> {
  for (const check of module.guards) {
    if ((await check(ctx)) === false) throw new LiveError(ErrorCode.FORBIDDEN, 'Forbidden');
  }
}

/** Runs the guards of the entry's module. */
export function runGuards(entry: RegistryEntry, ctx: LiveContext): Promise<void> {
  return runModuleGuards(entry.module, ctx);
}

/** Runs `run` after the entry's guards: at once (no promise of the runtime's own) when its module has none. */
export function guarded(entry: RegistryEntry, ctx: LiveContext, run: () => unknown): unknown {
  return entry.module.guards.length > 0 ? runGuards(entry, ctx).then(run) : run();
}

/**
 * Runs the guards of every other module that declares `topic`: a topic is followed with the
 * guards of its owners, whatever path computed it (see topic-names.ts). The entry's own module
 * ran its guards already.
 */
export async function runTopicOwnerGuards(dc: Pick<DispatchContext, 'registry'>, entry: RegistryEntry, topic: string, ctx: LiveContext): Promise<void> {
  for (const owner of dc.registry.ownersOf(topic)) {
    if (owner !== entry.module) await runModuleGuards(owner, ctx);
  }
}

/** Reads a text frame and handles each message in it. */
export function handleFrame(dc: DispatchContext, conn: Connection, text: string): void {
  let messages: unknown[];
  try {
    // A UTF-16 unit is at most 3 UTF-8 bytes: only a long text needs counting.
    if (text.length * 3 > dc.limits.maxFrameBytes && Buffer.byteLength(text) > dc.limits.maxFrameBytes) {
      throw new ProtocolError(ErrorCode.FRAME_TOO_LARGE, `Frame is larger than ${dc.limits.maxFrameBytes} bytes`);
    }
    // Refuses a frame of more than maxMessagesPerFrame messages, from its text.
    messages = decodeClientFrame(text, dc.limits);
  } catch (error) {
    conn.send(errorMessage(null, error, dc.dev));
    return;
  }
  // When the frame arrived, for its calls' durations: the clock is read once per frame, and only
  // for a telemetry listener or metrics (otherwise this costs two property reads).
  const arrived = dc.telemetry.active || dc.metrics !== undefined ? performance.now() : -1;
  // Everything the frame's messages answer at once leaves in one frame, before this returns.
  conn.beginBatch();
  try {
    for (const raw of messages) handleMessage(dc, conn, raw, text.length, arrived);
  } finally {
    conn.endBatch();
    if (answeredInFrame.length > 0) countAnsweredInFrame(dc.metrics, performance.now() - arrived);
  }
}

/**
 * Paths of the calls a frame answered at once (with metrics on and no telemetry listener): they
 * leave together when the frame's batch ends, so one clock reading then times them all.
 */
const answeredInFrame: string[] = [];

function countAnsweredInFrame(metrics: Metrics | undefined, durationMs: number): void {
  for (let i = 0; i < answeredInFrame.length; i++) metrics?.call(answeredInFrame[i]!, 'ok', durationMs);
  answeredInFrame.length = 0;
}

/** One message of a frame: checked, then handed to its handler. */
function handleMessage(dc: DispatchContext, conn: Connection, raw: unknown, frameLength: number, arrived: number): void {
  try {
    const message = readClientMessage(raw, dc.limits);
    switch (message.t) {
      case 'call':
        handleCall(dc, conn, message, frameLength, arrived);
        break;
      case 'sub':
        void handleSubscribe(dc, conn, message);
        break;
      case 'unsub':
        unsubscribe(dc, conn, message.id);
        break;
      case 'ping':
        conn.send({ t: 'pong', id: message.id });
        break;
    }
  } catch (error) {
    conn.send(errorMessage(messageId(raw), error, dc.dev));
  }
}

/**
 * Counts a call against the connection's in-flight limit, or refuses it with LIMIT. The caller
 * decrements `conn.inFlight` when the call ends, if (and only if) this returned.
 */
export function admitCall(dc: DispatchContext, conn: Connection): void {
  if (conn.inFlight >= dc.limits.maxInFlight) {
    throw new LiveError(ErrorCode.LIMIT, `More than ${dc.limits.maxInFlight} calls in flight on this connection; wait for some to finish`);
  }
  conn.inFlight++;
}

/**
 * The ctx of call `id`. The id only names the cause of the call's publishes in telemetry: with
 * no listener none is kept, and the ctx shares the connection's publish function.
 */
export function callContext(dc: DispatchContext, conn: Connection, id: number): LiveContext {
  return conn.context(dc.telemetry.active ? id : undefined);
}

/**
 * Answers a failed call: the error to the caller, and to the log and `handleError` when it is
 * not the caller's doing. `answered` runs once the answer is sent (after `handleError`'s).
 */
export function failCall(
  dc: DispatchContext,
  conn: Connection,
  id: number,
  path: string,
  kind: 'call' | 'binary',
  error: unknown,
  answered?: (failure: ErrorMessage) => void
): void {
  const failure = failureMessage(dc, id, error, { path, user: conn.user, kind, where: path || kind });
  if (isPromiseLike(failure)) {
    void failure.then((message) => {
      conn.send(message, path);
      answered?.(message);
    });
    return;
  }
  conn.send(failure, path);
  answered?.(failure);
}

/**
 * A call has been answered: counted for metrics and reported to telemetry, whichever listens.
 * `start` is when it arrived (performance.now()), read only when one of them listened then.
 */
export function finishCall(
  dc: DispatchContext,
  conn: Connection,
  call: { id: number; path: string; args: unknown[]; start: number; bytesIn: number; result?: unknown; failure?: ErrorMessage }
): void {
  const metrics = dc.metrics;
  if (metrics !== undefined) metrics.call(call.path, call.failure === undefined ? 'ok' : call.failure.code, performance.now() - call.start);
  if (dc.telemetry.active) reportCall(dc, conn, call);
}

/** The telemetry of one finished call (callers check `dc.telemetry.active` first). */
export function reportCall(
  dc: DispatchContext,
  conn: Connection,
  call: { id: number; path: string; args: unknown[]; start: number; bytesIn: number; result?: unknown; failure?: ErrorMessage }
): void {
  const { failure } = call;
  dc.telemetry.emit({
    type: 'call',
    connection: conn.id,
    path: call.path,
    args: call.args,
    id: call.id,
    start: call.start,
    duration: performance.now() - call.start,
    ok: failure === undefined,
    result: call.result,
    error: failure && { code: failure.code, message: failure.message, stack: failure.stack },
    bytesIn: call.bytesIn
  });
}

/**
 * Runs one call message. A handler that answers synchronously (and has no guards) is answered
 * in the same turn with no promise of the runtime's own; only a promise result or a guard
 * takes the asynchronous path. `start` is when its frame arrived (-1: nobody times it).
 */
function handleCall(dc: DispatchContext, conn: Connection, message: CallMessage, bytesIn: number, start: number): void {
  try {
    admitCall(dc, conn);
  } catch (error) {
    endCall(dc, conn, message, bytesIn, start, false, undefined, error);
    return;
  }
  let outcome: unknown;
  try {
    outcome = startCall(dc, conn, message);
  } catch (error) {
    endCall(dc, conn, message, bytesIn, start, true, undefined, error);
    return;
  }
  if (!isPromiseLike(outcome)) {
    endCall(dc, conn, message, bytesIn, start, true, outcome, NO_ERROR, true);
    return;
  }
  Promise.resolve(outcome).then(
    (result) => endCall(dc, conn, message, bytesIn, start, true, result, NO_ERROR),
    (error: unknown) => endCall(dc, conn, message, bytesIn, start, true, undefined, error)
  );
}

/** Marks a call that did not fail (a handler may throw anything, `undefined` included). */
const NO_ERROR = Symbol('no error');

/**
 * Finds the call's handler and runs it (inside hooks.ws `handle`, after its module's guards):
 * its result, or a promise of it.
 */
function startCall(dc: DispatchContext, conn: Connection, message: CallMessage): unknown {
  const entry = dc.registry.get(message.path);
  const run = entry?.call;
  if (!entry || !run) throw unknownPath(message.path, 'function');
  const ctx = callContext(dc, conn, message.id);
  const handle = dc.hooks.handle;
  if (handle !== undefined) {
    const event = { ctx, path: message.path, args: message.args, kind: 'call' as const, ssr: false };
    return runHandle(handle, event, (c, args) => guarded(entry, c, () => run(c, args))).outcome;
  }
  if (entry.module.guards.length > 0) return runGuards(entry, ctx).then(() => run(ctx, message.args));
  return run(ctx, message.args);
}

/** Answers a call (its result, or the error it failed with), frees its slot and reports it. */
function endCall(
  dc: DispatchContext,
  conn: Connection,
  message: CallMessage,
  bytesIn: number,
  start: number,
  admitted: boolean,
  result: unknown,
  error: unknown,
  /** Answered while its frame is handled (the answer leaves when the frame's batch ends). */
  inFrame = false
): void {
  if (admitted) conn.inFlight--;
  if (error === NO_ERROR) {
    conn.send({ t: 'result', id: message.id, data: result }, message.path);
    if (start < 0) return;
    if (dc.telemetry.active) finishCall(dc, conn, { id: message.id, path: message.path, args: message.args, start, bytesIn, result });
    // Metrics alone need no record of the call: counted now, or with the rest of its frame.
    else if (inFrame) answeredInFrame.push(message.path);
    else dc.metrics?.call(message.path, 'ok', performance.now() - start);
    return;
  }
  failCall(dc, conn, message.id, message.path, 'call', error, (failure) => {
    if (start >= 0) finishCall(dc, conn, { id: message.id, path: message.path, args: message.args, start, bytesIn, failure });
  });
}

/** Where a subscription stands, for the clean-up when it fails. */
interface SubscribeState {
  /** Its id holds a slot in `conn.pendingSubscriptions`. */
  reserved: boolean;
  /** It is in `conn.subscriptions` (and must be dropped if `handle` fails after `resolve`). */
  established: boolean;
}

async function handleSubscribe(dc: DispatchContext, conn: Connection, message: SubscribeMessage): Promise<void> {
  // The id and a slot are reserved before the first await, so neither a duplicate id nor one
  // subscription too many slips in while guards run, and an unsub that arrives meanwhile counts.
  const state: SubscribeState = { reserved: false, established: false };
  try {
    if (conn.subscriptions.has(message.id) || conn.pendingSubscriptions.has(message.id)) {
      throw new LiveError(ErrorCode.MALFORMED, `Subscription id ${message.id} is already in use`);
    }
    if (conn.subscriptions.size + conn.pendingSubscriptions.size >= dc.limits.maxSubscriptions) {
      throw new LiveError(ErrorCode.LIMIT, `A connection may hold at most ${dc.limits.maxSubscriptions} subscriptions`);
    }
    conn.pendingSubscriptions.add(message.id);
    state.reserved = true;
    const entry = dc.registry.get(message.path);
    if (!entry || !isSubscribable(entry.handler)) {
      throw unknownPath(message.path, 'stream');
    }
    const stream = entry.handler;
    const ctx = conn.context();
    const handle = dc.hooks.handle;
    if (handle === undefined) {
      await establish(dc, conn, message, entry, stream, ctx, message.args, state);
      return;
    }
    const event = { ctx, path: message.path, args: message.args, kind: 'subscribe' as const, ssr: false };
    const run = runHandle(handle, event, (c, args) => establish(dc, conn, message, entry, stream, c, args, state));
    await run.outcome;
    if (!run.resolved()) {
      throw new Error(`handle in hooks.ws returned without calling resolve for the subscription to ${message.path}; call resolve(event) or throw a LiveError`);
    }
  } catch (error) {
    if (state.reserved) conn.pendingSubscriptions.delete(message.id);
    if (state.established) unsubscribe(dc, conn, message.id);
    const failure = failureMessage(dc, message.id, error, { path: message.path, user: conn.user, kind: 'subscribe', where: message.path });
    conn.send(isPromiseLike(failure) ? await failure : failure, message.path);
  }
}

/**
 * A subscription from its guards on: topic, owners' guards, subscribe, then the snapshot (or
 * the replay of what a resuming client missed). Resolves with the snapshot's value.
 */
async function establish(
  dc: DispatchContext,
  conn: Connection,
  message: SubscribeMessage,
  entry: RegistryEntry,
  stream: Subscribable,
  ctx: LiveContext,
  args: unknown[],
  state: SubscribeState
): Promise<unknown> {
  await runGuards(entry, ctx);
  const topic = typeof stream.topic === 'string' ? stream.topic : stream.topic(ctx, ...args);
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new Error(`${entry.module.file}: the topic function of ${entry.name} must return a non-empty string`);
  }
  await runTopicOwnerGuards(dc, entry, topic, ctx);
  // Closed, or unsubscribed while the guards ran: nothing to subscribe.
  if (!conn.pendingSubscriptions.has(message.id) || conn.socket.readyState !== 1) return undefined;
  const merge = stream.optionsFor?.(args) ?? stream.options;
  const start = stream.start;
  // Subscribe first, so nothing published from here on is missed; its events wait for the
  // snapshot or the replay (in a cluster the topic may first ask the bus where it stands).
  conn.hold(topic);
  let joined: Joined;
  try {
    const joining = dc.topics.join(
      topic,
      conn,
      start && (() => start.call(stream, { path: message.path, topic, ctx, args })),
      { path: message.path, ctx, args },
      // Kinds that never resume (channels, presence, rooms) keep no history for replay.
      stream.resumable !== false,
      stream.resumable !== false ? message.from : undefined
    );
    joined = isPromiseLike(joining) ? await joining : joining;
  } catch (error) {
    conn.release(topic);
    throw error;
  }
  state.reserved = false;
  if (!conn.pendingSubscriptions.delete(message.id) || conn.socket.readyState !== 1) {
    dc.topics.unsubscribe(topic, conn);
    conn.release(topic);
    return undefined;
  }
  const { position, replay } = joined;
  if (message.from && dc.metrics !== undefined) dc.metrics.resumed(replay !== null);
  const subscription: Subscription = { id: message.id, path: message.path, topic };
  conn.subscriptions.set(message.id, subscription);
  state.established = true;
  if (stream.join) {
    try {
      subscription.leave = stream.join({ path: message.path, topic, ctx, args, id: message.id }) ?? undefined;
    } catch (error) {
      state.established = false;
      unsubscribe(dc, conn, message.id);
      conn.release(topic);
      throw error;
    }
  }
  if (dc.telemetry.active) {
    dc.telemetry.emit({ type: 'subscribe', connection: conn.id, path: message.path, topic, id: message.id, resumed: replay !== null });
  }
  if (replay) {
    conn.send({ t: 'resumed', id: message.id, topic, merge });
    for (const frame of replay) conn.sendFrame(frame);
    conn.release(topic);
    return undefined;
  }
  try {
    const data = await initOnce(stream, ctx, args, position);
    // Unsubscribed while init ran: nothing to send.
    if (conn.subscriptions.has(message.id)) {
      // Encoded here, so a value that cannot be sent fails this subscription (and drops it).
      conn.sendFrame(encodeMessage({ t: 'snapshot', id: message.id, topic, position, merge, data }));
    }
    return data;
  } catch (error) {
    state.established = false;
    unsubscribe(dc, conn, message.id);
    throw error;
  } finally {
    conn.release(topic);
  }
}

/** Drops one subscription (a client's unsub, or the connection closing). */
export function unsubscribe(dc: DispatchContext, conn: Connection, id: number): void {
  const subscription = conn.subscriptions.get(id);
  if (!subscription) {
    conn.pendingSubscriptions.delete(id);
    return;
  }
  conn.subscriptions.delete(id);
  if (subscription.leave) {
    try {
      subscription.leave();
    } catch (error) {
      void dc.reportError(error, { path: subscription.path, user: conn.user, kind: 'subscribe', where: subscription.path });
    }
  }
  dc.topics.unsubscribe(subscription.topic, conn);
  if (dc.telemetry.active) dc.telemetry.emit({ type: 'unsubscribe', connection: conn.id, topic: subscription.topic, id });
}
