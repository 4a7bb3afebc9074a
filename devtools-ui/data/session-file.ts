/**
 * A DevTools session as a JSON file: the calls, events, runs and reloads the overlay kept, to
 * look at later or attach to a bug report, and loaded back into the overlay. Values are the
 * bounded previews the overlay holds, so a file is as safe to share as what the panel shows.
 */
import type { EventStore, StoredRecords } from './event-store.js';

export const SESSION_FORMAT = 'svelte-realtime-devtools-session';
export const SESSION_VERSION = 1;
/** Largest file the overlay loads: a full store is a few MB. */
export const MAX_SESSION_BYTES = 50 * 1024 * 1024;

export interface SessionFile extends StoredRecords {
  format: typeof SESSION_FORMAT;
  version: typeof SESSION_VERSION;
  /** Epoch ms. */
  exportedAt: number;
  /** The page it was exported from. */
  url: string;
}

/** A file that is not a session this overlay can load: `code` says which way, the message what to do. */
export class SessionFileError extends Error {
  constructor(
    readonly code: 'NOT_JSON' | 'NOT_A_SESSION' | 'NEWER_VERSION' | 'MALFORMED' | 'TOO_LARGE',
    message: string
  ) {
    super(message);
    this.name = 'SessionFileError';
  }
}

export function exportSession(store: EventStore, url: string, now = Date.now()): SessionFile {
  return { format: SESSION_FORMAT, version: SESSION_VERSION, exportedAt: now, url, ...store.records() };
}

/** The file's name: `realtime-session-2026-12-01T05-30-00.json`. */
export function sessionFileName(exportedAt: number): string {
  return `realtime-session-${new Date(exportedAt).toISOString().slice(0, 19).split(':').join('-')}.json`;
}

const LISTS = ['calls', 'publishes', 'connectionEvents', 'cron', 'reloads', 'effects', 'pageUpdates'] as const;

/** Reads a session file's text; throws SessionFileError for anything else. */
export function readSession(text: string): SessionFile {
  if (text.length > MAX_SESSION_BYTES) {
    throw new SessionFileError('TOO_LARGE', `A session file may be at most ${MAX_SESSION_BYTES / 1024 / 1024} MB; this one is larger`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SessionFileError('NOT_JSON', 'This file is not JSON; choose a file saved with Export in the svelte-realtime DevTools');
  }
  const file = data as Partial<SessionFile> | null;
  if (typeof file !== 'object' || file === null || file.format !== SESSION_FORMAT) {
    throw new SessionFileError('NOT_A_SESSION', 'This JSON is not a svelte-realtime DevTools session; choose a file saved with Export');
  }
  if (file.version !== SESSION_VERSION) {
    throw new SessionFileError('NEWER_VERSION', `This session is version ${String(file.version)}; this overlay reads version ${SESSION_VERSION}. Update svelte-realtime to open it`);
  }
  for (const list of LISTS) {
    const items = file[list];
    if (!Array.isArray(items) || !items.every((item) => typeof item === 'object' && item !== null)) {
      throw new SessionFileError('MALFORMED', `The session's "${list}" is not a list of records; the file was changed or cut short`);
    }
  }
  for (const call of file.calls!) {
    if (typeof call.key !== 'string' || typeof call.path !== 'string' || typeof call.connection !== 'string' || typeof call.time !== 'number') {
      throw new SessionFileError('MALFORMED', 'A call in the session has no key, path, connection or time; the file was changed or cut short');
    }
  }
  for (const record of [...file.publishes!, ...file.pageUpdates!]) {
    if (typeof record.topic !== 'string' || typeof record.seq !== 'number' || (record.epoch !== undefined && typeof record.epoch !== 'string')) {
      throw new SessionFileError('MALFORMED', 'An event in the session has no topic or sequence number; the file was changed or cut short');
    }
  }
  return file as SessionFile;
}

/** Loads a session file's text into the store, in place of what it kept. */
export function importSession(store: EventStore, text: string): SessionFile {
  const file = readSession(text);
  store.restore(file);
  return file;
}
