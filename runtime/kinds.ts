/**
 * The handler kinds, one descriptor each: the single list the plugin (which calls it parses,
 * which stub it generates, which kinds get no client export), the server (which kinds it
 * registers and subscribes to) and the client (which stub factories it must export) derive
 * their facts from. Pure data and types, importing nothing, so every side may load it.
 *
 * Adding a kind: its descriptor in BUILT_IN below; its handler type and constructor in
 * runtime/server/kinds/ (put on `live` in runtime/server/handlers.ts); its client type in
 * `Client<T>` (runtime/client/index.ts); a stub factory in runtime/client/stubs.ts only when
 * none of the existing ones fits. The compiler points at each of those places until it is done.
 */

/** How the client export of a kind is made: the factory a generated stub calls with its path. */
export interface ClientStub {
  /** The factory for a static export (`__rpc`, `__stream`, ...). */
  readonly factory: string;
  /**
   * The factory used instead when the first argument is a function of the call's arguments:
   * the client export is then a function returning one value per argument list.
   */
  readonly dynamic?: string;
}

export interface KindDescriptor<Kind extends string = string> {
  /** The tag its handler objects carry, and its name in the plugin's export table. */
  readonly kind: Kind;
  /**
   * How a live module creates it: `live` or `guard` (the `svelte-realtime/server` imports
   * called directly), or `live.<member>`.
   */
  readonly calls: readonly string[];
  /**
   * The plugin reads the first argument as its topic: a string is recorded, a function makes
   * the export dynamic (see ClientStub.dynamic).
   */
  readonly topic: boolean;
  /** The dispatcher's subscribe path serves it: guards, topic, init, snapshot, then events. */
  readonly subscribable: boolean;
  /** How its client stub is made; null for a server-only kind (no stub, no declaration). */
  readonly client: ClientStub | null;
}

const BUILT_IN = [
  { kind: 'stream', calls: ['live.stream'], topic: true, subscribable: true, client: { factory: '__stream', dynamic: '__streamFactory' } },
  { kind: 'live', calls: ['live', 'live.validated', 'live.rateLimit'], topic: false, subscribable: false, client: { factory: '__rpc' } },
  { kind: 'binary', calls: ['live.binary'], topic: false, subscribable: false, client: { factory: '__binary' } },
  { kind: 'channel', calls: ['live.channel'], topic: true, subscribable: true, client: { factory: '__channel', dynamic: '__channelFactory' } },
  { kind: 'room', calls: ['live.room'], topic: false, subscribable: true, client: { factory: '__room' } },
  { kind: 'cron', calls: ['live.cron'], topic: false, subscribable: false, client: null },
  { kind: 'derived', calls: ['live.derived'], topic: true, subscribable: true, client: { factory: '__stream', dynamic: '__streamFactory' } },
  { kind: 'effect', calls: ['live.effect'], topic: false, subscribable: false, client: null },
  { kind: 'aggregate', calls: ['live.aggregate'], topic: false, subscribable: true, client: { factory: '__stream' } },
  { kind: 'guard', calls: ['guard'], topic: false, subscribable: false, client: null }
] as const satisfies readonly KindDescriptor[];

type BuiltIn = (typeof BUILT_IN)[number];

/** Every kind this version knows: the tags of handler objects and the kinds of the export table. */
export type HandlerKind = BuiltIn['kind'];

/** Kinds with a client export (every kind but the server-only ones). */
export type ClientKind = Extract<BuiltIn, { client: object }>['kind'];

/** The `<member>` of every `live.<member>` constructor. */
export type LiveMember = BuiltIn['calls'][number] extends infer Call ? (Call extends `live.${infer Member}` ? Member : never) : never;

type ClientStubOf = Extract<BuiltIn, { client: object }>['client'];

/** Every stub factory a descriptor names: what the internal client entry must export. */
export type StubFactory = ClientStubOf['factory'] | (ClientStubOf extends infer Stub ? (Stub extends { dynamic: infer Name } ? Name : never) : never);

/**
 * The registered kinds, typed as the built-in union: a kind registered at run time (a test's
 * made-up one) is outside what the compiler knows, and is carried as if it were one of them.
 */
const byKind = new Map<string, KindDescriptor<HandlerKind>>();
const byCall = new Map<string, KindDescriptor<HandlerKind>>();

/**
 * Adds a kind to the table. The built-in kinds are added here at load; tests add made-up ones
 * to see each side derive its behaviour from the descriptor alone. Returns the function that
 * removes it again. Throws when the kind or one of its calls is taken.
 */
export function registerKind(descriptor: KindDescriptor): () => void {
  if (byKind.has(descriptor.kind)) throw new Error(`handler kind ${JSON.stringify(descriptor.kind)} is already registered`);
  const taken = descriptor.calls.find((call) => byCall.has(call));
  if (taken !== undefined) throw new Error(`${taken}() already creates a ${byCall.get(taken)!.kind} handler`);
  const known = descriptor as KindDescriptor<HandlerKind>;
  byKind.set(descriptor.kind, known);
  for (const call of descriptor.calls) byCall.set(call, known);
  return () => {
    if (byKind.get(descriptor.kind) !== descriptor) return;
    byKind.delete(descriptor.kind);
    for (const call of descriptor.calls) byCall.delete(call);
  };
}

for (const descriptor of BUILT_IN) registerKind(descriptor);

/** The descriptor of `kind`; undefined for a kind this version does not know. */
export function kindDescriptor(kind: string): KindDescriptor<HandlerKind> | undefined {
  return byKind.get(kind);
}

/** The kind `call` (`live`, `guard` or `live.<member>`) creates; undefined when it creates none. */
export function kindOfCall(call: string): KindDescriptor<HandlerKind> | undefined {
  return byCall.get(call);
}

/** Every registered kind's calls, in table order (for messages that list what is available). */
export function knownCalls(): string[] {
  return [...byCall.keys()];
}
