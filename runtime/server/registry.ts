/**
 * The registry: every callable `module/export` path and the guards of its module.
 *
 * Handlers are looked up here at call time, so replacing the registry's content (a reload)
 * swaps behaviour without touching sockets. Only what was registered is callable; look-ups
 * are `Map`s, so `__proto__` or `../x` are just names that are not there.
 */
import { callTarget, type CallTarget } from './callable.js';
import { kindDescriptor, type HandlerKind } from '../kinds.js';
import { handlerKind } from './handler-tag.js';
import { isSubscribable } from './subscribable.js';
import type { ActivationHost, Activatable, AnyHandler, GuardFunction } from './handlers.js';

export interface ModuleRecord {
  /** Module path as clients name it: `chat`, `admin/users`. */
  path: string;
  /** Source file, relative to the project (for messages). */
  file: string;
  guards: GuardFunction[];
}

export interface RegistryEntry {
  path: string;
  module: ModuleRecord;
  name: string;
  handler: AnyHandler;
  /** What a call message runs (see callable.ts), worked out once here; undefined for streams. */
  call: CallTarget | undefined;
}

/** One module as the generated registry hands it over: its namespace and the exports the plugin found. */
export interface ModuleRegistration {
  path: string;
  file: string;
  namespace: Record<string, unknown>;
  exports: readonly (readonly [name: string, kind: HandlerKind])[];
}

export interface RegistrySnapshot {
  readonly entries: ReadonlyMap<string, RegistryEntry>;
  readonly modules: ReadonlyMap<string, ModuleRecord>;
  readonly owners: ReadonlyMap<string, readonly ModuleRecord[]>;
}

const NO_OWNERS: readonly ModuleRecord[] = [];

export class RegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistrationError';
  }
}

export class Registry {
  private entries = new Map<string, RegistryEntry>();
  private modules = new Map<string, ModuleRecord>();
  /** Topics declared with a static name, and the modules that declare each (see topic-names.ts). */
  private owners = new Map<string, ModuleRecord[]>();
  private disposers: (() => void)[] = [];

  get(path: string): RegistryEntry | undefined {
    return this.entries.get(path);
  }

  /** The modules that declare `topic` with a static name (streams, channels): its owners. */
  ownersOf(topic: string): readonly ModuleRecord[] {
    return this.owners.get(topic) ?? NO_OWNERS;
  }

  /**
   * Registers a module's exports. Each listed export must be the kind the plugin saw; every
   * guard in the namespace is applied, listed or not, so a module never ends up unguarded.
   */
  register(registration: ModuleRegistration): void {
    const { path, file, namespace } = registration;
    if (this.modules.has(path)) {
      throw new RegistrationError(`${file}: two live modules map to $live/${path}; rename one of them`);
    }
    const record: ModuleRecord = { path, file, guards: [] };
    for (const value of Object.values(namespace)) {
      if (handlerKind(value) === 'guard') record.guards.push(...(value as { checks: GuardFunction[] }).checks);
    }
    const added: RegistryEntry[] = [];
    for (const [name, kind] of registration.exports) {
      if (kind === 'guard') continue;
      if (!kindDescriptor(kind)) {
        throw new RegistrationError(
          `${file}: export ${name} is a ${kind} handler, a kind this svelte-realtime/server does not know; the plugin and the runtime come from different versions`
        );
      }
      const handler = Object.prototype.hasOwnProperty.call(namespace, name) ? namespace[name] : undefined;
      const actual = handlerKind(handler);
      if (actual !== kind) {
        throw new RegistrationError(
          `${file}: export ${name} should be a ${kind} handler but is ${actual ?? typeof handler}; export it as created by svelte-realtime/server`
        );
      }
      added.push({ path: `${path}/${name}`, module: record, name, handler: handler as AnyHandler, call: callTarget(handler) });
    }
    this.modules.set(path, record);
    for (const entry of added) {
      this.entries.set(entry.path, entry);
      const topic = (entry.handler as { topic?: unknown }).topic;
      if (typeof topic !== 'string' || !isSubscribable(entry.handler)) continue;
      const owners = this.owners.get(topic);
      if (!owners) this.owners.set(topic, [record]);
      else if (!owners.includes(record)) owners.push(record);
    }
  }

  /**
   * Activates every handler that holds resources (see `Activatable`). If one throws, the ones
   * already activated are deactivated again and the error is thrown: all or nothing.
   */
  activate(host: (entry: RegistryEntry) => ActivationHost): void {
    this.deactivate();
    try {
      for (const entry of this.entries.values()) {
        const activate = (entry.handler as Activatable).activate;
        if (typeof activate !== 'function') continue;
        const dispose = activate.call(entry.handler, host(entry));
        if (typeof dispose === 'function') this.disposers.push(dispose);
      }
    } catch (error) {
      this.deactivate();
      throw error;
    }
  }

  /** Releases what `activate` started (timers, subscriptions); safe to call twice. */
  deactivate(): void {
    const disposers = this.disposers;
    this.disposers = [];
    for (const dispose of disposers.reverse()) {
      try {
        dispose();
      } catch {
        // A disposer that throws must not keep the others from running.
      }
    }
  }

  clear(): void {
    this.entries = new Map();
    this.modules = new Map();
    this.owners = new Map();
  }

  snapshot(): RegistrySnapshot {
    return { entries: new Map(this.entries), modules: new Map(this.modules), owners: new Map([...this.owners].map(([t, o]) => [t, [...o]])) };
  }

  restore(snapshot: RegistrySnapshot): void {
    this.entries = new Map(snapshot.entries);
    this.modules = new Map(snapshot.modules);
    this.owners = new Map([...snapshot.owners].map(([t, o]) => [t, [...o]]));
  }

  /** Every registered path with its kind, sorted (for DevTools, tests and error hints). */
  list(): { path: string; kind: HandlerKind; file: string }[] {
    return [...this.entries.values()]
      .map((e) => ({ path: e.path, kind: handlerKind(e.handler)!, file: e.module.file }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }
}
