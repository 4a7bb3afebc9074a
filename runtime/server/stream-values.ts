/**
 * A live stream read on the server, as an async iterable of the values its store takes:
 *
 *   for await (const list of streamValues(messages, getRequestEvent())) ...
 *
 * For server code that streams to the browser by other means than the realtime socket, a
 * SvelteKit `query.live` first of all. It runs as `store.load(event)` does (the request's user
 * from the `upgrade` hook, `handle`, guards, init), then follows the topic from the position
 * init started at, folding each event by the stream's merge, so it sees what a page's store
 * sees. A slow reader gets the latest value: values in between are skipped, as a store skips
 * them, and nothing piles up.
 */
import { applyEvents, type MergeEvent } from '../merge.js';
import { ErrorCode, type MergeOptions } from '../protocol.js';
import type { LoadEvent } from '../ssr-contract.js';
import { LiveError } from './errors.js';
import { decodeFrame } from './frames.js';
import { handlerKind } from './handler-tag.js';
import type { LiveStream } from './kinds/stream.js';
import { getRuntime, type Runtime } from './runtime.js';
import { RESYNC_EVENT, type TopicSubscriber } from './topics.js';

/** A stream's values as they change; `return()` (a `break`, the request ending) stops following the topic. */
export type StreamValues<Value> = AsyncIterableIterator<Value> & { return(): Promise<IteratorResult<Value, undefined>> };

/**
 * The values of `stream` for the request `event` (SvelteKit's `getRequestEvent()` in a remote
 * function, or a load's `event`), with the stream's arguments after it when its topic is a
 * function of them. Ends when the request is aborted (the browser left) or the loop breaks.
 * Throws the guard's LiveError when the request's user may not read the stream.
 */
export function streamValues<Args extends unknown[], Value>(stream: LiveStream<Args, Value, boolean>, event: LoadEvent, ...args: Args): StreamValues<Awaited<Value>> {
  const runtime = getRuntime();
  const path = pathOf(runtime, stream);
  if (typeof event !== 'object' || event === null || !(event.request instanceof Request)) {
    throw new TypeError(`streamValues(${path}, event): pass the request event (getRequestEvent() from $app/server in a remote function, or a load's event)`);
  }
  return new StreamReader<Awaited<Value>>(runtime, path, args, event);
}

/** The registered path of `stream`, found by identity: only a registered export is readable. */
function pathOf(runtime: Runtime, stream: unknown): string {
  if (handlerKind(stream) !== 'stream') {
    throw new LiveError(ErrorCode.UNKNOWN_PATH, 'streamValues(stream, event): pass a live.stream export of a module under src/live, imported from that module');
  }
  for (const { path, kind } of runtime.registry.list()) {
    if (kind === 'stream' && runtime.registry.get(path)?.handler === stream) return path;
  }
  throw new LiveError(
    ErrorCode.UNKNOWN_PATH,
    'streamValues(stream, event): this live.stream is not registered with the running server; import it from its module under src/live (the one realtime() serves)'
  );
}

class StreamReader<Value> implements TopicSubscriber {
  private value: Value | undefined;
  /** True when `value` changed since the reader last took it. */
  private fresh = false;
  private merge: MergeOptions | undefined;
  private topic: string | undefined;
  /** Set by a resync (the topic's history restarted): the next read loads the stream again. */
  private stale = true;
  private done = false;
  private waiter: { resolve(result: IteratorResult<Value, undefined>): void; reject(error: unknown): void } | undefined;
  private readonly stopOnAbort = () => void this.return();

  constructor(
    private readonly runtime: Runtime,
    private readonly path: string,
    private readonly args: unknown[],
    private readonly event: LoadEvent
  ) {
    event.request.signal?.addEventListener('abort', this.stopOnAbort, { once: true });
    if (event.request.signal?.aborted) this.done = true;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Value, undefined>> {
    if (this.done) return { done: true, value: undefined };
    if (this.stale) await this.load();
    if (this.done) return { done: true, value: undefined };
    if (this.fresh) {
      this.fresh = false;
      return { done: false, value: this.value as Value };
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<Value, undefined>> {
    if (!this.done) {
      this.done = true;
      this.leave();
      this.event.request.signal?.removeEventListener('abort', this.stopOnAbort);
    }
    this.wake({ done: true, value: undefined });
    return { done: true, value: undefined };
  }

  /** Topics calls this with each event's frame; a frame's events are folded in one pass. */
  sendEvent(_topic: string, frame: string): void {
    const events: MergeEvent[] = [];
    for (const message of decodeFrame(frame) as { t: string; event: string; data: unknown }[]) {
      if (message.t !== 'event') continue;
      if (message.event === RESYNC_EVENT) {
        this.leave();
        this.stale = true;
        this.wake();
        return;
      }
      events.push(message);
    }
    this.fold(events);
  }

  /**
   * Runs init as `store.load(event)` does, then joins the topic and folds in what was published
   * since init's position, in one step, so no event is lost or counted twice.
   */
  private async load(): Promise<void> {
    for (;;) {
      const loaded = await this.runtime.ssrLoad(this.path, this.args, this.event);
      if (this.done) return;
      const missed = this.runtime.topics.eventsSince(loaded.topic, loaded.position);
      // More was published during init than the topic keeps: load again.
      if (missed === null) continue;
      this.runtime.topics.subscribe(loaded.topic, this);
      this.topic = loaded.topic;
      this.merge = loaded.merge;
      this.value = loaded.value as Value;
      this.stale = false;
      this.fresh = true;
      for (const frame of missed) this.sendEvent(loaded.topic, frame);
      return;
    }
  }

  private fold(events: readonly MergeEvent[]): void {
    if (!this.merge || this.stale || events.length === 0) return;
    this.value = applyEvents(this.value, events, this.merge) as Value;
    this.fresh = true;
    this.wake();
  }

  /** Hands the reader waiting in `next()` the latest value (or the end). */
  private wake(result?: IteratorResult<Value, undefined>): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    if (result) return waiter.resolve(result);
    if (this.stale) {
      this.next().then(waiter.resolve, waiter.reject);
      return;
    }
    this.fresh = false;
    waiter.resolve({ done: false, value: this.value as Value });
  }

  private leave(): void {
    if (this.topic === undefined) return;
    this.runtime.topics.unsubscribe(this.topic, this);
    this.topic = undefined;
  }
}
