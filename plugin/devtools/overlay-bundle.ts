/**
 * The overlay as one module: its Svelte and TypeScript source (devtools-ui/) and the DevTools
 * wire bundled by a small Vite build of their own, with the app's own Svelte compiler (its
 * `@sveltejs/vite-plugin-svelte`, resolved from the app), when the dev server starts. A dev page
 * then loads the overlay in two requests instead of one per source file (about 25), and the
 * page's first load is not slowed by the overlay's module graph.
 *
 * When the app has no vite-plugin-svelte to resolve, or the build fails, there is no bundle and
 * the overlay is served file by file as before (`undefined`).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'vite';

export interface OverlayBundleInput {
  /** The app's root: vite-plugin-svelte is resolved from it. */
  root: string;
  uiDir: string;
  wireEntry: string;
  /** The virtual id the overlay imports the wire by. */
  wireId: string;
}

export async function bundleOverlay({ root, uiDir, wireEntry, wireId }: OverlayBundleInput): Promise<string | undefined> {
  let svelte: (options?: Record<string, unknown>) => Plugin[];
  try {
    const fromApp = createRequire(path.join(root, 'package.json'));
    const entry = fromApp.resolve('@sveltejs/vite-plugin-svelte');
    svelte = ((await import(pathToFileURL(entry).href)) as { svelte: typeof svelte }).svelte;
  } catch {
    return undefined;
  }
  try {
    const { build } = await import('vite');
    const result = await build({
      configFile: false,
      root: uiDir,
      logLevel: 'silent',
      // The production build of Svelte's runtime, matching the components compiled without dev checks.
      mode: 'production',
      plugins: [svelte({ configFile: false, compilerOptions: { dev: false } })],
      resolve: { alias: { [wireId]: wireEntry } },
      build: {
        write: false,
        minify: false,
        sourcemap: false,
        emptyOutDir: false,
        copyPublicDir: false,
        lib: { entry: path.join(uiDir, 'main.ts'), formats: ['es'], fileName: 'overlay' }
      }
    });
    const outputs = (Array.isArray(result) ? result : [result]) as { output?: { type: string; isEntry?: boolean; code?: string }[] }[];
    for (const output of outputs) for (const item of output.output ?? []) if (item.type === 'chunk' && item.isEntry && item.code) return item.code;
    return undefined;
  } catch {
    return undefined;
  }
}
