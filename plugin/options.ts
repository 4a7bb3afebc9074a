/** `realtime(options)`: the options, their defaults, and the errors for bad ones. */

export interface RealtimeOptions {
  /** Folder of live modules, relative to the project root. Default `src/live`. */
  dir?: string;
  /** Generate `$live/*` declarations (`<dir>/$types.d.ts`) typed from the source. Default true. */
  typedImports?: boolean;
  /** In `vite dev`, add the DevTools overlay to the page. Never in a build. Default true. */
  devtools?: boolean;
  /** Origins allowed to open the socket besides the app's own, e.g. `https://admin.example.com`. */
  origins?: string[];
}

export type ResolvedOptions = Required<RealtimeOptions>;

export class RealtimeOptionsError extends Error {
  constructor(message: string) {
    super(`svelte-realtime: ${message}`);
    this.name = 'RealtimeOptionsError';
  }
}

const KNOWN = new Set<string>(['dir', 'typedImports', 'devtools', 'origins']);

export function resolveOptions(input: unknown = {}): ResolvedOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RealtimeOptionsError(`realtime() takes an options object, e.g. realtime({ dir: 'src/live' }); got ${JSON.stringify(input)}`);
  }
  const options = input as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new RealtimeOptionsError(`unknown option "${key}" in realtime(); the options are ${[...KNOWN].join(', ')}`);
    }
  }
  const { dir = 'src/live', typedImports = true, devtools = true, origins = [] } = options;
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new RealtimeOptionsError(`dir must be a folder path relative to the project root, e.g. 'src/live'; got ${JSON.stringify(dir)}`);
  }
  if (typeof typedImports !== 'boolean') throw new RealtimeOptionsError(`typedImports must be true or false; got ${JSON.stringify(typedImports)}`);
  if (typeof devtools !== 'boolean') throw new RealtimeOptionsError(`devtools must be true or false; got ${JSON.stringify(devtools)}`);
  if (!Array.isArray(origins) || origins.some((o) => typeof o !== 'string')) {
    throw new RealtimeOptionsError(`origins must be an array of origins like 'https://app.example.com'; got ${JSON.stringify(origins)}`);
  }
  for (const origin of origins as string[]) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || parsed.origin !== origin) {
      throw new RealtimeOptionsError(`origins: ${JSON.stringify(origin)} is not an origin; write scheme://host[:port] with no path, e.g. 'https://app.example.com'`);
    }
  }
  return { dir: dir.replace(/\\/g, '/').replace(/\/+$/, ''), typedImports, devtools, origins: origins as string[] };
}
