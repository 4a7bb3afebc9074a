/**
 * The telemetry hook: where calls, publishes, subscriptions, connections and reloads are
 * reported. With no listener (the default, and always in production) `active` is false and
 * emit sites skip building the event at all: `if (telemetry.active) telemetry.emit({...})`.
 */

export type TelemetryEvent =
  | { type: 'call'; connection: string; path: string; args: unknown[]; id: number; start: number; duration: number; ok: boolean; result?: unknown; error?: { code: string; message: string; stack?: string }; bytesIn: number }
  | {
      type: 'publish';
      topic: string;
      event: string;
      seq: number;
      /** The topic's life `seq` counts in: a topic re-created after its last subscriber left numbers from 1 in a new epoch. Absent when not numbered (seq 0). */
      epoch?: string;
      delivered: number;
      data: unknown;
      cause?: { connection: string; id: number };
    }
  | { type: 'subscribe'; connection: string; path: string; topic: string; id: number; resumed: boolean }
  | { type: 'unsubscribe'; connection: string; topic: string; id: number }
  | { type: 'open'; connection: string; user: unknown; origin: string | undefined }
  | { type: 'close'; connection: string; code: number }
  | { type: 'cron'; path: string; topic: string; start: number; duration: number; ok: boolean; manual: boolean; result?: unknown; error?: { message: string; stack?: string } }
  | { type: 'effect'; path: string; topic: string; event: string; start: number; duration: number; ok: boolean; error?: { message: string; stack?: string } }
  | {
      type: 'reload';
      /** The saved file(s), relative to the project. */
      file: string;
      /** `module/export` paths with their handler kind. */
      added: { path: string; kind: string }[];
      removed: { path: string; kind: string }[];
      /** Paths whose handler was replaced by the module's new version. */
      changed: { path: string; kind: string }[];
      duration: number;
      /** True when a module kept its previous handlers because its new version failed. */
      rolledBack: boolean;
      error?: { message: string; file?: string; line?: number; column?: number };
    };

/**
 * The argument a `live.binary` call reports in place of its payload: the payload's size, never
 * its bytes. The DevTools know a binary call by it (its frame's size is its `bytesIn`).
 */
export class BinaryPayload {
  constructor(readonly bytes: number) {}
}

/** What a telemetry event is: its `type`, the discriminant every DevTools message uses too. */
export type TelemetryEventType = TelemetryEvent['type'];

export type TelemetryEventOf<T extends TelemetryEventType> = Extract<TelemetryEvent, { type: T }>;

export type TelemetryListener = (event: TelemetryEvent) => void;

export class Telemetry {
  private listeners: readonly TelemetryListener[] = [];
  /** True while someone listens; check it before building an event. */
  active = false;

  emit(event: TelemetryEvent): void {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(event);
      } catch {
        // A broken listener must never break the call that reported.
      }
    }
  }

  listen(listener: TelemetryListener): () => void {
    // Replaced, never changed in place: an emit in progress keeps the list it started with.
    this.listeners = [...this.listeners, listener];
    this.active = true;
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
      this.active = this.listeners.length > 0;
    };
  }
}
