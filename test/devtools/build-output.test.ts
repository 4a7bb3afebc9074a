/**
 * Production has no DevTools: example-app is built (a copy, in test/.work, so nobody else's
 * build is disturbed) and its client and server output are searched for the overlay's code;
 * then `vite preview` serves it and neither the overlay nor the channel answers.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preview, type PreviewServer } from 'vite';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const copy = path.join(repo, 'test/.work', `devtools-build-${process.pid}`);

/** Names only the overlay and its channel use. */
const OVERLAY_IDENTIFIERS = [
  'svelte-realtime-devtools',
  'svelte-realtime:devtools',
  'devtools-ui',
  'srt-devtools',
  'Causal trace',
  'watchPageSockets',
  'DevtoolsChannel'
];

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('example-app built for production', () => {
  let server: PreviewServer;
  let origin: string;

  beforeAll(async () => {
    fs.rmSync(copy, { recursive: true, force: true });
    fs.cpSync(path.join(repo, 'example-app'), copy, {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|\.svelte-kit|build)$/.test(source)
    });
    await promisify(execFile)(process.execPath, [path.join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], {
      cwd: copy,
      env: { ...process.env, NODE_ENV: 'production' }
    });
    // SvelteKit's preview reads the build relative to the working directory.
    const cwd = process.cwd();
    process.chdir(copy);
    try {
      server = await preview({ root: copy, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    } finally {
      process.chdir(cwd);
    }
    const { port } = server.httpServer.address() as AddressInfo;
    origin = `http://127.0.0.1:${port}`;
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it("contains none of the overlay's code, client or server", () => {
    const output = [...filesUnder(path.join(copy, 'build')), ...filesUnder(path.join(copy, '.svelte-kit/output'))].filter((f) => /\.(m?js|html|css|json)$/.test(f));
    expect(output.some((f) => f.includes(`${path.sep}client${path.sep}`))).toBe(true);
    expect(output.some((f) => f.includes(`${path.sep}server${path.sep}`))).toBe(true);
    const found: string[] = [];
    for (const file of output) {
      const text = fs.readFileSync(file, 'utf8');
      for (const id of OVERLAY_IDENTIFIERS) if (text.includes(id)) found.push(`${path.relative(copy, file)}: ${id}`);
    }
    expect(found).toEqual([]);
  });

  it('vite preview serves neither the overlay nor the channel', async () => {
    const page = await fetch(`${origin}/inspect`).then((r) => r.text());
    expect(page).toContain('<nav');
    for (const id of OVERLAY_IDENTIFIERS) expect(page).not.toContain(id);
    for (const url of ['/@vite/client', '/@id/__x00__svelte-realtime:devtools', '/@id/virtual:svelte-realtime/devtools-ui/main.ts']) {
      expect((await fetch(origin + url)).status, url).toBe(404);
    }
    // No dev socket to carry the channel: Vite's dev server answers its client's ping with 204.
    const ping = await fetch(origin, { headers: { accept: 'text/x-vite-ping' } });
    expect(ping.status).not.toBe(204);
  });
});
