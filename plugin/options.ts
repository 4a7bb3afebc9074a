/** `realtime(options)`: the options, their defaults, and the errors for bad ones. */
import { DEFAULT_LIMITS, type Limits } from '../runtime/server/limits.js';

export interface RealtimeOptions {
  /** Folder of live modules, relative to the project root. Default `src/live`. */
  dir?: string;
  /** Generate `$live/*` declarations (`<dir>/$types.d.ts`) typed from the source. Default true. */
  typedImports?: boolean;
  /**
   * In `vite dev`, add the DevTools overlay to the page. Never in a build. Default true.
   * `{ shortcut: 'ctrl+shift+KeyL' }` changes the key that opens it (modifiers, then a
   * `KeyboardEvent.code`, so it is the same physical key on every layout).
   */
  devtools?: boolean | DevtoolsOptions;
  /** Origins allowed to open the socket besides the app's own, e.g. `https://admin.example.com`. */
  origins?: string[];
  /**
   * Bounds on what clients may make the server hold, over the defaults (README "Limits"), e.g.
   * `{ maxSubscriptions: 1024 }`. They apply in `vite dev`, `vite preview` and the production
   * server; `REALTIME_LIMITS` overrides them when a server starts.
   */
  limits?: Partial<Limits>;
}

export interface DevtoolsOptions {
  /** Opens and closes the overlay: `ctrl`, `shift`, `alt`, `meta` joined by `+`, then a key code. Default `ctrl+shift+KeyL`. */
  shortcut?: string;
  /**
   * Keep the DevTools when the dev server listens beyond loopback (`vite dev --host`). Off by
   * default: anyone who can reach the server could then read every call. Default false.
   */
  allowRemote?: boolean;
  /**
   * Where the ⚡ launcher sits: a corner, out of the way of the app's own floating buttons, or
   * `'hidden'` (the shortcut still opens the panel). Dragging it along an edge is remembered per
   * project. Default `'bottom-right'`.
   */
  launcher?: LauncherPlacement;
}

export type LauncherPlacement = 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left' | 'hidden';
const LAUNCHER_PLACEMENTS: ReadonlySet<string> = new Set<LauncherPlacement>(['bottom-right', 'bottom-left', 'top-right', 'top-left', 'hidden']);

export type ResolvedDevtools = Required<Pick<DevtoolsOptions, 'shortcut'>> & Pick<DevtoolsOptions, 'allowRemote' | 'launcher'>;

export type ResolvedOptions = Omit<Required<RealtimeOptions>, 'devtools' | 'limits'> & {
  devtools: ResolvedDevtools | false;
  /** The limits the app set, if any; the others keep their defaults. */
  limits?: Partial<Limits>;
};

export const DEFAULT_SHORTCUT = 'ctrl+shift+KeyL';
const SHORTCUT_MODIFIERS = new Set(['ctrl', 'shift', 'alt', 'meta']);

export class RealtimeOptionsError extends Error {
  constructor(message: string) {
    super(`svelte-realtime: ${message}`);
    this.name = 'RealtimeOptionsError';
  }
}

const KNOWN = new Set<string>(['dir', 'typedImports', 'devtools', 'origins', 'limits']);

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
  const { dir = 'src/live', typedImports = true, devtools = true, origins = [], limits } = options;
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new RealtimeOptionsError(`dir must be a folder path relative to the project root, e.g. 'src/live'; got ${JSON.stringify(dir)}`);
  }
  if (typeof typedImports !== 'boolean') throw new RealtimeOptionsError(`typedImports must be true or false; got ${JSON.stringify(typedImports)}`);
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
  return {
    dir: dir.replace(/\\/g, '/').replace(/\/+$/, ''),
    typedImports,
    devtools: resolveDevtools(devtools),
    origins: origins as string[],
    limits: limits === undefined ? undefined : resolveLimitOptions(limits)
  };
}

/** `limits`: only known names, each a positive integer. What is not set keeps its default in the runtime. */
function resolveLimitOptions(limits: unknown): Partial<Limits> {
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
    throw new RealtimeOptionsError(`limits must be an object of limits, e.g. { maxSubscriptions: 1024 }; got ${JSON.stringify(limits)}`);
  }
  const names = Object.keys(DEFAULT_LIMITS);
  for (const [name, value] of Object.entries(limits)) {
    if (!names.includes(name)) {
      throw new RealtimeOptionsError(`unknown limit "${name}" in limits; the limits are ${names.join(', ')} (README "Limits")`);
    }
    if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw new RealtimeOptionsError(
        `limits.${name} must be a positive whole number, e.g. ${DEFAULT_LIMITS[name as keyof Limits]} (its default); got ${JSON.stringify(value)}`
      );
    }
  }
  return { ...(limits as Partial<Limits>) };
}

function resolveDevtools(devtools: unknown): ResolvedDevtools | false {
  if (devtools === false) return false;
  if (devtools === true) return { shortcut: DEFAULT_SHORTCUT };
  if (typeof devtools !== 'object' || devtools === null || Array.isArray(devtools)) {
    throw new RealtimeOptionsError(`devtools must be true, false or { shortcut: 'ctrl+shift+KeyL' }; got ${JSON.stringify(devtools)}`);
  }
  for (const key of Object.keys(devtools)) {
    if (key !== 'shortcut' && key !== 'allowRemote' && key !== 'launcher') {
      throw new RealtimeOptionsError(
        `unknown devtools option "${key}"; the options are shortcut and allowRemote, plus launcher, e.g. { shortcut: 'ctrl+shift+KeyL', launcher: 'bottom-left' }`
      );
    }
  }
  const { shortcut = DEFAULT_SHORTCUT, allowRemote, launcher } = devtools as DevtoolsOptions;
  if (launcher !== undefined && (typeof launcher !== 'string' || !LAUNCHER_PLACEMENTS.has(launcher))) {
    throw new RealtimeOptionsError(
      `devtools.launcher must be one of ${[...LAUNCHER_PLACEMENTS].map((p) => `'${p}'`).join(', ')}; got ${JSON.stringify(launcher)}`
    );
  }
  if (allowRemote !== undefined && typeof allowRemote !== 'boolean') {
    throw new RealtimeOptionsError(`devtools.allowRemote must be true or false; got ${JSON.stringify(allowRemote)}`);
  }
  const parts = typeof shortcut === 'string' ? shortcut.split('+') : [];
  const code = parts.pop() ?? '';
  const valid =
    /^[A-Z][A-Za-z0-9]+$/.test(code) && parts.length > 0 && parts.every((m) => SHORTCUT_MODIFIERS.has(m)) && new Set(parts).size === parts.length;
  if (!valid) {
    throw new RealtimeOptionsError(
      `devtools.shortcut must be modifiers (ctrl, shift, alt, meta) and a key code joined by +, e.g. 'ctrl+shift+KeyL' or 'alt+Digit1'; got ${JSON.stringify(shortcut)}`
    );
  }
  const resolved: ResolvedDevtools = { shortcut: shortcut as string };
  if (allowRemote !== undefined) resolved.allowRemote = allowRemote;
  if (launcher !== undefined) resolved.launcher = launcher;
  return resolved;
}
