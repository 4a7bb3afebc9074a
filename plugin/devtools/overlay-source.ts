/**
 * Where the overlay's code is on disk. The overlay (devtools-ui/) ships as Svelte and TypeScript
 * source, compiled by the app's own Vite; the DevTools wire it shares with the server is built
 * with the package (dist/runtime/devtools-wire/), or read as TypeScript when the plugin itself
 * runs from source (this repository's tests).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { posix } from '../paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The package's devtools-ui folder, found from this file in plugin/devtools/ (source) or dist/plugin/devtools/ (built). */
export function findDevtoolsUi(from = here): string {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'devtools-ui');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(candidate, 'main.ts'))) {
      return posix(candidate);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`svelte-realtime: the devtools-ui folder is missing next to ${from}; reinstall svelte-realtime`);
    dir = parent;
  }
}

/** The DevTools wire's entry module, next to this file's own tree: `.js` when built, `.ts` in source. */
export function findDevtoolsWire(from = here): string {
  const base = path.resolve(from, '../../runtime/devtools-wire/index');
  for (const candidate of [`${base}.js`, `${base}.ts`]) if (fs.existsSync(candidate)) return posix(candidate);
  throw new Error(`svelte-realtime: the DevTools wire module is missing at ${base}.js; reinstall svelte-realtime`);
}
