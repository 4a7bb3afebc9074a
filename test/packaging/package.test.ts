/**
 * The package as users get it: `npm pack`ed (as built by `npm run build`), checked by publint
 * and @arethetypeswrong/cli, and installed into a fresh app whose first `vite dev` must print
 * nothing from the package.
 *
 * Installing the tarball with `npm install` needs the registry (CI's `npm ci` caches tarballs,
 * not the version lists npm resolves ranges with), so the fresh app gets the tarball extracted
 * into its node_modules, as npm would put it, and finds the package's own dependencies and
 * SvelteKit in the repository's node_modules above it.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/server.js';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = path.join(repo, 'test/.work', `packaging-${process.pid}`);
let tarball: string;

beforeAll(async () => {
  if (!fs.existsSync(path.join(repo, 'dist/plugin/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  // --ignore-scripts: pack the dist/ this run built, without prepack's clean rebuild.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repo });
  tarball = path.join(work, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
}, 120_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Extracts the tarball into `dir` (its `package/` folder becomes `dir`). */
async function extract(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await run('tar', ['xzf', tarball, '-C', dir, '--strip-components=1']);
}

describe('the packed package', () => {
  it('runs nothing on install and ships a working bin', async () => {
    const dir = path.join(work, 'contents');
    await extract(dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string>; bin?: Record<string, string> };
    // Scripts npm runs in a user's install: the repository's build belongs to none of them.
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts?.[script], script).toBeUndefined();
    expect(manifest.bin).toEqual({ 'svelte-realtime': 'bin/svelte-realtime.js' });
    expect(fs.existsSync(path.join(dir, manifest.bin!['svelte-realtime']!))).toBe(true);
  });

  it('ships source maps that carry their sources', async () => {
    const dir = path.join(work, 'maps');
    await extract(dir);
    const maps = fs.readdirSync(path.join(dir, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(20);
    const withoutSources = maps.filter((file) => {
      const map = JSON.parse(fs.readFileSync(path.join(dir, 'dist', file), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      return map.sources.length === 0 || map.sourcesContent?.length !== map.sources.length || map.sourcesContent.some((s) => typeof s !== 'string');
    });
    expect(withoutSources).toEqual([]);
  });

  it('passes publint with nothing to report', async () => {
    const tar = fs.readFileSync(tarball);
    const { messages } = await publint({ pack: { tarball: tar.buffer.slice(tar.byteOffset, tar.byteOffset + tar.byteLength) as ArrayBuffer }, level: 'suggestion', strict: true });
    expect(messages).toEqual([]);
  });

  it('passes @arethetypeswrong/cli with nothing to report (ESM only)', async () => {
    const attw = path.join(repo, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    // esm-only: the package has no CommonJS entry, so node10 and require() resolutions do not apply.
    // It exits 1 when it finds a problem; the report on stdout says which.
    const stdout = await run(process.execPath, [attw, tarball, '--profile', 'esm-only', '--format', 'json'], { cwd: work, maxBuffer: 16 * 1024 * 1024 }).then(
      (result) => result.stdout,
      (error: { stdout?: string }) => error.stdout ?? ''
    );
    const { analysis } = JSON.parse(stdout) as { analysis: { problems: { kind: string; entrypoint: string; resolutionKind?: string }[] } };
    const ignored = new Set(['node10', 'node16-cjs']);
    expect(analysis.problems.filter((p) => !p.resolutionKind || !ignored.has(p.resolutionKind))).toEqual([]);
  }, 120_000);

  it("prints nothing from the package on a fresh app's first vite dev", { timeout: 180_000 }, async () => {
    const root = path.join(work, 'fresh-app');
    for (const entry of ['src', 'package.json', 'svelte.config.js', 'tsconfig.json', 'vite.config.ts']) {
      fs.cpSync(path.join(repo, 'example-app', entry), path.join(root, entry), { recursive: true });
    }
    await extract(path.join(root, 'node_modules/svelte-realtime'));
    const port = await freePort();
    const output: string[] = [];
    const vite = spawn(process.execPath, [path.join(repo, 'node_modules/vite/bin/vite.js'), 'dev', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }
    });
    const exited = new Promise<void>((resolve) => vite.once('exit', () => resolve()));
    vite.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    vite.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    try {
      await waitFor(() => output.join('').includes(`:${port}/`), 'vite dev to listen', 60_000);
      // The first page: the server renders it (the live modules load, the runtime runs), and
      // the browser's first requests: Vite's client, which the DevTools plugin extends.
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      await page.text();
      expect((await fetch(`http://127.0.0.1:${port}/@vite/client`)).status).toBe(200);
    } finally {
      vite.kill('SIGTERM');
      await exited;
    }
    // The package's own lines name it ([svelte-realtime], or a path in node_modules/svelte-realtime).
    const lines = output.join('').split('\n');
    expect(lines.filter((line) => /svelte-realtime|sourcemap/i.test(line))).toEqual([]);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
