/**
 * The production seam: SvelteKit has no public hook that runs once when a production server
 * starts without the app's own code, so the registry plugin imports the registry from Kit's
 * generated server entry (see plugin/plugins/registry.ts). That file is Kit's, not API: this
 * test resolves a minimal Kit app's production server build with the installed Kit and fails,
 * naming what changed, if the entry moved, was renamed, or stopped being written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from 'vite';
import { sveltekit } from '@sveltejs/kit/vite';
import { KIT_SERVER_ENTRY } from '../../plugin/plugins/registry.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const root = path.join(repo, 'test/.work', `kit-server-entry-${process.pid}`);

function writeMinimalApp(): void {
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'src/routes'), { recursive: true });
  fs.writeFileSync(path.join(root, 'svelte.config.js'), 'export default {};\n');
  fs.writeFileSync(path.join(root, 'src/app.html'), '<!doctype html><html><head>%sveltekit.head%</head><body>%sveltekit.body%</body></html>\n');
  fs.writeFileSync(path.join(root, 'src/routes/+page.svelte'), '<h1>page</h1>\n');
}

describe("SvelteKit's server entry", () => {
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is an input of the production server build that the registry plugin recognises', async () => {
    writeMinimalApp();
    // SvelteKit reads its config and writes .svelte-kit relative to the working directory.
    const cwd = process.cwd();
    process.chdir(root);
    let config: Awaited<ReturnType<typeof resolveConfig>>;
    try {
      config = await resolveConfig(
        { configFile: false, logLevel: 'silent', plugins: [await sveltekit()], build: { ssr: true } },
        'build',
        'production',
        'production'
      );
    } finally {
      process.chdir(cwd);
    }
    const build = config.environments.ssr!.build;
    const input = (build.rolldownOptions?.input ?? build.rollupOptions?.input ?? {}) as Record<string, string>;
    const entries = Object.values(input);
    const entry = entries.find((file) => KIT_SERVER_ENTRY.test(file));
    expect(
      entry,
      `None of the server build's inputs matches ${KIT_SERVER_ENTRY} (the file svelte-realtime imports the registry from, ` +
        `so production servers register the live modules). This SvelteKit version moved or renamed it: ` +
        `update KIT_SERVER_ENTRY in plugin/plugins/registry.ts. Inputs: ${entries.join(', ')}`
    ).toBeDefined();
    expect(fs.existsSync(entry!), `SvelteKit names ${entry} as a server input but did not write it`).toBe(true);
  });
});
