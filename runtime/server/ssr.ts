/**
 * Server rendering: live functions and stream inits called from `+page.server.ts`, for the
 * request's user. The user comes from the app's `upgrade` hook run on the page request, so a
 * handler sees the same `ctx.user` as it would over the socket, and guards run as they do there.
 *
 * The browser-side API reaches these through the process's runtime: `store.load(event)` and
 * `fn.call(event, ...args)` on the `$live/*` exports (see runtime/ssr-contract.ts).
 */
import { ErrorCode } from '../protocol.js';
import type { Loaded, LoadEvent } from '../ssr-contract.js';
import type { LiveContext } from './context.js';
import { batchVia, type PublishTogether } from './publish-batch.js';
import { pacingVia, type PublishPacing } from './publish-pacing.js';
import { signalVia } from './signals.js';
import { guarded, runGuards, runTopicOwnerGuards, unknownPath } from './dispatch.js';
import { LiveError } from './errors.js';
import { parseCookies, type WsHooks } from './hooks.js';
import { runHandle } from './middleware.js';
import type { Registry, RegistryEntry } from './registry.js';
import { isSubscribable, type Subscribable } from './subscribable.js';
import type { Topics } from './topics.js';

export interface SsrHost {
  registry: Registry;
  topics: Topics;
  hooks: WsHooks;
  publish(topic: string, event: string, data: unknown): void;
  readonly pacing: PublishPacing;
  readonly publishTogether: PublishTogether;
}

let ssrCounter = 0;

function checkEvent(event: LoadEvent | undefined, path: string): LoadEvent {
  if (typeof event !== 'object' || event === null || !(event.request instanceof Request)) {
    throw new TypeError(`${path}: pass the load function's event: load(event) or .call(event, ...args)`);
  }
  return event;
}

/** The `ctx` for one server-side call: the user as `upgrade` sees the request. */
async function contextFor(host: SsrHost, event: LoadEvent): Promise<LiveContext> {
  let user: unknown = null;
  if (host.hooks.upgrade) {
    user =
      (await host.hooks.upgrade({
        request: event.request,
        url: event.url,
        cookies: event.cookies ?? parseCookies(event.request.headers.get('cookie') ?? undefined),
        getClientAddress: () => event.getClientAddress()
      })) ?? null;
  }
  const connectionId = `ssr:${(++ssrCounter).toString(36)}`;
  const publish: LiveContext['publish'] = (topic, e, data) => host.publish(topic, e, data);
  return {
    user: user as never,
    connectionId,
    connection: connectionId,
    publish,
    batch: batchVia(host.publishTogether, publish),
    signal: signalVia(publish),
    ...pacingVia(host.pacing, publish)
  };
}

/** `fn.call(event, ...args)`: runs a live function (guards first) and returns its result. */
export async function ssrCall(host: SsrHost, path: string, args: unknown[], event: LoadEvent): Promise<unknown> {
  checkEvent(event, path);
  const entry = host.registry.get(path);
  const target = entry?.call;
  if (!entry || !target) throw unknownPath(path, 'function');
  const ctx = await contextFor(host, event);
  const handle = host.hooks.handle;
  if (!handle) return guarded(entry, ctx, () => target(ctx, args));
  return runHandle(handle, { ctx, path, args, kind: 'call', ssr: true }, (c, a) => guarded(entry, c, () => target(c, a))).outcome;
}

/**
 * `store.load(event)`: runs the stream's init (guards first) and returns its value with the
 * topic's position, for `hydrate` in the page.
 */
export async function ssrLoad(host: SsrHost, path: string, args: unknown[], event: LoadEvent): Promise<Loaded<unknown>> {
  checkEvent(event, path);
  const entry = host.registry.get(path);
  if (!entry || !isSubscribable(entry.handler)) throw unknownPath(path, 'stream');
  const stream = entry.handler;
  const ctx = await contextFor(host, event);
  const handle = host.hooks.handle;
  if (!handle) return loadStream(host, entry, stream, ctx, args);
  let loaded: Loaded<unknown> | undefined;
  const run = runHandle(handle, { ctx, path, args, kind: 'subscribe', ssr: true }, async (c, a) => {
    loaded = await loadStream(host, entry, stream, c, a);
    return loaded.value;
  });
  await run.outcome;
  if (!loaded) throw new Error(`handle in hooks.ws returned without calling resolve for ${path}.load(event); call resolve(event) or throw a LiveError`);
  return loaded;
}

/** A stream's guards, topic and init, for `store.load(event)`. */
async function loadStream(host: SsrHost, entry: RegistryEntry, stream: Subscribable, ctx: LiveContext, args: unknown[]): Promise<Loaded<unknown>> {
  const path = entry.path;
  await runGuards(entry, ctx);
  const topic = typeof stream.topic === 'string' ? stream.topic : stream.topic(ctx, ...args);
  if (typeof topic !== 'string' || topic.length === 0) throw new LiveError(ErrorCode.INTERNAL, `${path}: the topic function must return a non-empty string`);
  await runTopicOwnerGuards(host, entry, topic, ctx);
  // The position comes first: whatever is published while init runs is replayed on resume.
  const position = host.topics.position(topic);
  const merge = stream.optionsFor?.(args) ?? stream.options;
  const data = await stream.init(ctx, ...args);
  if (!merge.paginate) return { '~live': 'stream', value: data, topic, position, merge };
  const page = data as { items: unknown[]; next?: unknown };
  return { '~live': 'stream', value: page.items, topic, position, merge, next: page.next ?? null };
}
