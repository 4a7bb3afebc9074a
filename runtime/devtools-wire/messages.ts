/**
 * The DevTools channel's messages, shared by the dev server (plugin/devtools/) and the overlay
 * (devtools-ui/). They travel as custom events on Vite's own dev socket, so they are plain JSON:
 * values are sent as bounded previews.
 *
 * Every message, in both directions, says what it is in `type`, as the runtime's telemetry
 * events do (runtime/server/telemetry.ts), and each server event keeps its telemetry event's
 * `type`. Only what is sent in bulk uses the one-letter `t`: the frames of the realtime protocol
 * (runtime/protocol.ts) and the nodes of a preview.
 */
import type { Preview } from './preview.js';

/** Custom event name, both directions. */
export const CHANNEL_EVENT = 'svelte-realtime:devtools';

export interface ErrorInfo {
  code?: string;
  message: string;
  stack?: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface ExportChange {
  path: string;
  kind: string;
}

/** One server event as the overlay receives it. `n` orders events across kinds; `time` is epoch ms. */
export type ServerEvent = { n: number; time: number } & (
  | {
      type: 'call';
      connection: string;
      path: string;
      id: number;
      duration: number;
      ok: boolean;
      args: Preview;
      result?: Preview;
      error?: ErrorInfo;
      /**
       * Bytes of this call's own message as the page sent it, and of its answer as the server
       * sent it. Absent when not counted: a rich value (Date, Map, BigInt…) past the server's
       * count of them for this second (see the plugin's call-bytes.ts).
       */
      bytesIn?: number;
      bytesOut?: number;
      /** The runtime's own traffic (a room's cursor move): the overlay hides it unless asked. */
      internal?: true;
    }
  | {
      type: 'publish';
      topic: string;
      event: string;
      seq: number;
      /** The topic's epoch: a re-created topic numbers from 1 again in a new one (see the overlay's topic lives). */
      epoch?: string;
      delivered: number;
      data: Preview;
      cause?: { connection: string; id: number };
    }
  | { type: 'subscribe'; connection: string; path: string; topic: string; id: number; resumed: boolean }
  | { type: 'unsubscribe'; connection: string; topic: string; id: number }
  | { type: 'open'; connection: string; user: Preview; origin?: string }
  | { type: 'close'; connection: string; code: number }
  | { type: 'cron'; path: string; topic: string; start: number; duration: number; ok: boolean; manual: boolean; result?: Preview; error?: ErrorInfo }
  | {
      type: 'reload';
      file: string;
      added: ExportChange[];
      removed: ExportChange[];
      changed: ExportChange[];
      duration: number;
      rolledBack: boolean;
      error?: ErrorInfo;
    }
  | { type: 'effect'; path: string; topic: string; event: string; start: number; duration: number; ok: boolean; error?: ErrorInfo }
);

/** One per telemetry event, with its `type` (plugin/devtools/events.ts converts them and is checked against both unions). */
export type ServerEventType = ServerEvent['type'];

export type ServerEventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

export interface ConnectionInfo {
  id: string;
  user: Preview;
  /** Calls it made that have not been answered yet. */
  inFlight: number;
  /** Bytes written to its socket and not yet sent (a slow or stalled client grows it). */
  buffered: number;
  /**
   * Its stores' topics. `behind`: events on the topic the server holds back for it (its init is
   * still running), so a lagging client shows; 0 when it is at the topic's head. (For its own
   * page the overlay also counts from where the page's stores are: see the Connections panel.)
   */
  subscriptions: { id: number; path: string; topic: string; behind: number }[];
}

export interface TopicInfo {
  topic: string;
  seq: number;
  subscribers: number;
  /** Merge strategy of the streams subscribed to it, when known. */
  merge?: string;
}

/**
 * One cron job as `runtime.cronJobs()` reports it. Written out here, so the overlay's code
 * depends on no server module; the channel passes what the runtime returns as this type, so the
 * runtime cannot drop or change a field the overlay reads without a compile error.
 */
export interface CronJobInfo {
  path: string;
  schedule: string;
  timezone?: string;
  topic: string;
  paused: boolean;
  running: boolean;
  /** Epoch ms of the next scheduled run; null when paused or none is left. */
  nextRun: number | null;
  /** The last runs, oldest first (at most 10). */
  lastRuns: { start: number; duration: number; ok: boolean; error?: string }[];
}

/** What the server holds now (sent while an overlay is open, about once a second). */
export interface ServerState {
  time: number;
  connections: ConnectionInfo[];
  topics: TopicInfo[];
  /** null when the runtime has no cron support. */
  cron: CronJobInfo[] | null;
  /**
   * When the server last thinned its history (epoch ms): with no panel open, under load, it
   * keeps a sample of events rather than every one. null when it never had to.
   */
  sampledAt: number | null;
}

export type ActionRequest =
  | { action: 'replay'; connection: string; id: number }
  | { action: 'cron'; path: string; control: 'run' | 'pause' | 'resume' }
  /** Runs a stream's init for a page's connection, with the page's arguments (as JSON). */
  | { action: 'server-value'; connection: string; path: string; args: unknown[] };

/** Overlay → server. */
export type OverlayMessage =
  | { type: 'hello'; open: boolean }
  | { type: 'open' }
  | { type: 'close' }
  | ({ type: 'action'; ref: number; secret: string } & ActionRequest);

/**
 * What an action that succeeded answers: a value (a replay's result, a stream's value), and a
 * replayed call's id. A replay whose call failed again answers `error` instead of `value`: the
 * action worked, the call did not.
 */
export interface ActionOutcome {
  value?: Preview;
  error?: ErrorInfo;
  call?: { connection: string; id: number };
}

/** A refusal: the same `code` and `message` as the realtime protocol's errors. */
export interface Refusal {
  code: string;
  message: string;
}

/** Server → overlay. */
export type ChannelMessage =
  | { type: 'welcome'; server: string }
  | { type: 'events'; events: ServerEvent[] }
  | { type: 'state'; state: ServerState }
  | ({ type: 'reply'; ref: number; ok: true } & ActionOutcome)
  | { type: 'reply'; ref: number; ok: false; error: Refusal }
  | ({ type: 'refused' } & Refusal);
