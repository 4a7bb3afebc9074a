/**
 * `svelte-realtime sync`: the `$live` declarations without Vite, as a CI check needs them
 * (`svelte-realtime sync && svelte-kit sync && svelte-check` on a fresh clone).
 *
 * The apps live under test/.work so they resolve `svelte-realtime` (this checkout, built to
 * dist/) and SvelteKit from the repository's node_modules, as an installed app would.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTypes } from '../../plugin/generate.js';
import { resolveOptions } from '../../plugin/options.js';
import { LiveProject } from '../../plugin/project.js';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'bin/svelte-realtime.js');
const work = path.join(repo, 'test/.work', `sync-${process.pid}`);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Runs the command in `cwd`; resolves with its exit code and output (never rejects). */
async function sync(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A minimal app: a Vite config and the given files. */
function app(name: string, files: Record<string, string>): string {
  const root = path.join(work, name);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

const config = (options = '') => `import realtime from 'svelte-realtime/vite';\nexport default { plugins: [realtime(${options})] };\n`;
const counter = `import { live } from 'svelte-realtime/server';\nlet n = 0;\nexport const increment = live(() => ++n);\nexport const count = live.stream('count', () => n);\n`;

describe('svelte-realtime sync', () => {
  it('writes what the plugin writes, from the dir the app configures', async () => {
    const root = app('custom-dir', { 'vite.config.js': config(`{ dir: 'src/server/rpc' }`), 'src/server/rpc/counter.ts': counter });
    const result = await sync(root, 'sync');
    expect(result).toMatchObject({ code: 0, stdout: 'svelte-realtime sync: wrote src/server/rpc/$types.d.ts (1 live module)\n' });
    const project = new LiveProject(root, resolveOptions({ dir: 'src/server/rpc' }), { warn() {}, error() {} });
    project.scan(true);
    const written = fs.readFileSync(path.join(root, 'src/server/rpc/$types.d.ts'), 'utf8');
    expect(written).toBe(generateTypes(project.list(), project.dir));
    expect(written).toContain('declare module "$live/counter"');
    expect(await sync(root, 'sync')).toMatchObject({ code: 0, stdout: 'svelte-realtime sync: up to date: src/server/rpc/$types.d.ts (1 live module)\n' });
  });

  it('takes --root, and writes nothing when typedImports is false', async () => {
    const root = app('untyped', { 'vite.config.js': config('{ typedImports: false }'), 'src/live/counter.ts': counter });
    expect(await sync(work, 'sync', '--root', root)).toMatchObject({ code: 0, stdout: 'svelte-realtime sync: typedImports is false, nothing written\n' });
    expect(fs.existsSync(path.join(root, 'src/live/$types.d.ts'))).toBe(false);
  });

  it('fails with a message that says what to do', async () => {
    const noConfig = app('no-config', { 'src/live/counter.ts': counter });
    expect(await sync(noConfig, 'sync')).toMatchObject({ code: 1, stderr: expect.stringContaining(`no vite.config.(js|ts|mjs|mts) in ${noConfig}; run it in your app's folder, or pass --root <folder>`) });

    const noPlugin = app('no-plugin', { 'vite.config.js': 'export default { plugins: [] };\n', 'src/live/counter.ts': counter });
    expect(await sync(noPlugin, 'sync')).toMatchObject({ code: 1, stderr: expect.stringContaining('vite.config.js does not use realtime(); add it after sveltekit()') });

    const noDir = app('no-dir', { 'vite.config.js': config() });
    expect(await sync(noDir, 'sync')).toMatchObject({ code: 1, stderr: expect.stringContaining('src/live does not exist in') });

    const broken = app('broken', { 'vite.config.js': config(), 'src/live/counter.ts': `${counter}export const = 1;\n` });
    const failed = await sync(broken, 'sync');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/src\/live\/counter\.ts:5:\d+/);
    expect(fs.existsSync(path.join(broken, 'src/live/$types.d.ts'))).toBe(false);

    expect(await sync(work, 'build')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "build"') });
    expect(await sync(work, 'sync', '--root')).toMatchObject({ code: 2, stderr: expect.stringContaining('--root needs a folder') });
    expect(await sync(work)).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: svelte-realtime sync') });
  });

  it('lets a fresh copy of the example app pass svelte-check before any vite run', { timeout: 240_000 }, async () => {
    const root = path.join(work, 'example-app');
    const source = path.join(repo, 'example-app');
    for (const entry of ['src', 'package.json', 'svelte.config.js', 'tsconfig.json', 'vite.config.ts']) {
      fs.cpSync(path.join(source, entry), path.join(root, entry), { recursive: true });
    }
    // A fresh clone: no generated types, no .svelte-kit.
    fs.rmSync(path.join(root, 'src/live/$types.d.ts'));
    expect(fs.existsSync(path.join(root, '.svelte-kit'))).toBe(false);

    expect(await sync(root, 'sync')).toMatchObject({ code: 0, stdout: expect.stringContaining('svelte-realtime sync: wrote src/live/$types.d.ts') });
    await run(process.execPath, [path.join(repo, 'node_modules/@sveltejs/kit/svelte-kit.js'), 'sync'], { cwd: root });
    const check = run(process.execPath, [path.join(repo, 'node_modules/svelte-check/bin/svelte-check'), '--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'machine'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024
    });
    await expect(check.catch((error: { stdout: string }) => Promise.reject(new Error(error.stdout)))).resolves.toMatchObject({ stdout: expect.stringMatching(/COMPLETED \d+ FILES 0 ERRORS 0 WARNINGS/) });
  });
});
