/**
 * The DevTools channel's messages, shared by the dev server (plugin/devtools-channel.ts) and
 * the overlay. They travel as custom events on Vite's own dev socket, so they are plain JSON:
 * values are sent as bounded previews.
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
      bytesIn: number;
      bytesOut: number;
    }
  | { type: 'publish'; topic: string; event: string; seq: number; delivered: number; data: Preview; cause?: { connection: string; id: number } }
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
  /** A kind this overlay does not know yet: listed, not interpreted. */
  | { type: 'other'; kind: string; data: Preview }
);

export type ServerEventType = ServerEvent['type'];

export interface ConnectionInfo {
  id: string;
  user: Preview;
  subscriptions: { id: number; path: string; topic: string }[];
}

export interface TopicInfo {
  topic: string;
  seq: number;
  subscribers: number;
  /** Merge strategy of the streams subscribed to it, when known. */
  merge?: string;
}

/** One cron job as `runtime.cronJobs()` reports it (type only: erased when the overlay is compiled). */
import type { CronJobInfo } from '../../runtime/server/kinds/cron.js';
export type { CronJobInfo };

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
  | { op: 'hello'; open: boolean }
  | { op: 'open' }
  | { op: 'close' }
  | ({ op: 'action'; ref: number; secret: string } & ActionRequest);

/** Server → overlay. */
export type ChannelMessage =
  | { kind: 'welcome'; server: string }
  | { kind: 'events'; events: ServerEvent[] }
  | { kind: 'state'; state: ServerState }
  | { kind: 'reply'; ref: number; ok: true; value?: Preview; call?: { connection: string; id: number } }
  | { kind: 'reply'; ref: number; ok: false; error: { code: string; message: string } }
  | { kind: 'refused'; code: string; message: string };
