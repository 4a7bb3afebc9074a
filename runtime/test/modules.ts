/**
 * The app's live modules as a test hands them over, turned into what the runtime registers.
 *
 * Vitest has no `$live` plugin, so the test imports the modules itself, most simply with
 * `import.meta.glob('/src/live/**\/*.ts', { eager: true })`: Vite's own loader compiles them
 * with the app's aliases (`$lib`), and they are the same module instances the test imports.
 * A module's `$live` path comes from its key, as the plugin takes it from the file's place
 * under `src/live`; its exports' kinds come from the handler objects (the plugin reads them
 * from the source, to the same result for any module it accepts).
 */
import type { HandlerKind } from '../kinds.js';
import { handlerKind } from '../server/handler-tag.js';
import type { ModuleRegistration } from '../server/registry.js';
import { TestKitError } from './errors.js';

/**
 * A module namespace, or a function importing it (a lazy `import.meta.glob`). Typed `unknown`
 * because that is what `import.meta.glob` returns; anything else is refused with NO_MODULES.
 */
export type ModuleSource = unknown;

/** Files a `src/live/**` glob also matches that are not live modules. */
const NOT_A_MODULE = [/\.(test|spec)\.[cm]?[jt]sx?$/, /\.d\.[cm]?ts$/];
const EXTENSION = /\.[cm]?[jt]sx?$/;

export interface LoadedModule {
  registration: ModuleRegistration;
  namespace: Record<string, unknown>;
}

/**
 * Loads each module and names it. A key is a file (`/src/live/admin/users.ts`,
 * `../src/live/chat.ts`, `./chat.ts` from a glob inside the folder) or a `$live` path itself
 * (`{ chat, 'admin/users': users }`).
 */
export async function loadModules(modules: Record<string, ModuleSource>, dir: string): Promise<LoadedModule[]> {
  if (typeof modules !== 'object' || modules === null || Array.isArray(modules)) {
    throw new TestKitError(
      'NO_MODULES',
      "createTestServer({ modules }): pass the app's live modules, e.g. modules: import.meta.glob('/src/live/**/*.ts', { eager: true })"
    );
  }
  const keys = Object.keys(modules).filter((key) => !NOT_A_MODULE.some((pattern) => pattern.test(key)));
  if (keys.length === 0) {
    throw new TestKitError(
      'NO_MODULES',
      `createTestServer({ modules }): no live module was given. A glob such as import.meta.glob('/${dir}/**/*.ts', { eager: true }) is resolved from the vitest root; check that it matches your files`
    );
  }
  const loaded: LoadedModule[] = [];
  for (const key of keys.sort()) {
    const source = modules[key];
    const namespace = (typeof source === 'function' ? await (source as () => Promise<unknown>)() : source) as Record<string, unknown>;
    if (typeof namespace !== 'object' || namespace === null) {
      throw new TestKitError('NO_MODULES', `createTestServer({ modules }): ${key} is not a module namespace; pass import.meta.glob's result, or { path: await import('...') }`);
    }
    const path = livePath(key, dir);
    const exports: (readonly [string, HandlerKind])[] = [];
    for (const [name, value] of Object.entries(namespace)) {
      const kind = handlerKind(value);
      if (kind && name !== 'default') exports.push([name, kind]);
    }
    const file = key.startsWith('/') ? key.slice(1) : key.includes('.') ? key : `${dir}/${path}.ts`;
    loaded.push({ registration: { path, file, namespace, exports }, namespace });
  }
  return loaded;
}

/** The `$live` path a key names (see loadModules). */
export function livePath(key: string, dir: string): string {
  const file = key.replaceAll('\\', '/');
  if (!EXTENSION.test(file) && !file.startsWith('.') && !file.startsWith('/')) return file;
  const marker = `/${dir.replace(/^\.?\/+|\/+$/g, '')}/`;
  const at = `/${file}`.lastIndexOf(marker);
  let rest: string | undefined;
  if (at !== -1) rest = `/${file}`.slice(at + marker.length);
  else if (file.startsWith('./')) rest = file.slice(2);
  if (!rest || rest.startsWith('../') || !EXTENSION.test(rest)) {
    throw new TestKitError(
      'MODULE_PATH',
      `createTestServer({ modules }): cannot tell the $live path of ${JSON.stringify(key)}: it is not under ${dir}/. Glob the live folder (import.meta.glob('/${dir}/**/*.ts', { eager: true })), pass { dir } when your live modules live elsewhere, or key the module by its path ({ 'admin/users': users })`
    );
  }
  return rest.replace(EXTENSION, '');
}
