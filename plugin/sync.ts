/**
 * `svelte-realtime sync`: writes `<dir>/$types.d.ts` without starting Vite, so a fresh clone
 * type-checks before its first `vite dev` (`svelte-realtime sync && svelte-kit sync &&
 * svelte-check`). It reads the app's `realtime()` options from its Vite config and writes what
 * the plugin writes: the same scan, parser and generator (LiveProject).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfigFromFile, type PluginOption } from 'vite';
import type { RealtimeApi } from './api.js';
import type { ResolvedOptions } from './options.js';
import { LiveProject, type Logger } from './project.js';

/** What a sync did, for the one line the command prints. */
export interface SyncResult {
  /** The declarations file, relative to the app root. */
  typesFile: string;
  modules: number;
  /** `written`: the file changed; `unchanged`: it was up to date; `off`: `typedImports` is false. */
  outcome: 'written' | 'unchanged' | 'off';
}

/** A mistake the developer fixes (no Vite config, no `realtime()` in it); the command prints it and exits 1. */
export class SyncError extends Error {
  readonly code = 'SYNC';
  constructor(message: string) {
    super(`svelte-realtime sync: ${message}`);
    this.name = 'SyncError';
  }
}

/** The plugin's config plugin carries the resolved options (plugins/config.ts). */
const CONFIG_PLUGIN = 'svelte-realtime:config';

/**
 * Writes the `$live` declarations of the app at `root`. Throws SyncError when the app's options
 * cannot be read, LiveScanError / LiveParseError when a live module cannot be read (as a build does).
 */
export async function syncTypes(root: string, logger: Logger): Promise<SyncResult> {
  const options = await appOptions(root);
  const project = new LiveProject(root, options, logger);
  project.scan(true);
  const result = { typesFile: project.relative(project.typesFile), modules: project.list().length };
  if (!options.typedImports) return { ...result, outcome: 'off' };
  if (!fs.existsSync(project.dir)) throw new SyncError(`${options.dir} does not exist in ${root}; create it, or set realtime({ dir }) to your live modules' folder`);
  return { ...result, outcome: project.writeTypes() ? 'written' : 'unchanged' };
}

/** The options the app passes to `realtime()`, read from its Vite config. */
async function appOptions(root: string): Promise<ResolvedOptions> {
  const loaded = await loadConfigFromFile({ command: 'serve', mode: 'development' }, undefined, root, 'silent');
  if (!loaded) throw new SyncError(`no vite.config.(js|ts|mjs|mts) in ${root}; run it in your app's folder, or pass --root <folder>`);
  for (const plugin of await flatten(loaded.config.plugins ?? [])) {
    if (plugin.name === CONFIG_PLUGIN) return (plugin.api as Pick<RealtimeApi, 'options'>).options;
  }
  const config = path.relative(root, loaded.path) || loaded.path;
  throw new SyncError(`${config} does not use realtime(); add it after sveltekit(): plugins: [sveltekit(), realtime()]`);
}

type NamedPlugin = { name: string; api?: unknown };

/** Vite's plugin option, with its nested arrays and promises, as a flat list. */
async function flatten(option: PluginOption): Promise<NamedPlugin[]> {
  const value = await option;
  if (!value) return [];
  if (Array.isArray(value)) return (await Promise.all(value.map(flatten))).flat();
  return [value as NamedPlugin];
}
