/**
 * The source a live module is to be evaluated from, pinned by the dev reloader for the time of
 * one import. The `svelte-realtime:hmr` plugin's `load` hook serves it in place of the file,
 * which lets the reloader evaluate exactly the code it read, and evaluate a released version
 * again after the file on disk has changed (see LiveReloader).
 */
import type { RealtimeApi } from './api.js';

const pinsOf = new WeakMap<RealtimeApi, Map<string, string>>();

/** The pins of one `realtime()` instance: absolute file → source. */
export function sourcePins(api: RealtimeApi): Map<string, string> {
  let pins = pinsOf.get(api);
  if (!pins) pinsOf.set(api, (pins = new Map()));
  return pins;
}

/** Runs `load` with `file` pinned to `source`; the pin is gone when it settles. */
export async function withPinnedSource<T>(api: RealtimeApi, file: string, source: string | undefined, load: () => Promise<T>): Promise<T> {
  if (source === undefined) return load();
  const pins = sourcePins(api);
  pins.set(file, source);
  try {
    return await load();
  } finally {
    pins.delete(file);
  }
}
