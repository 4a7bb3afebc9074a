/**
 * The page side of the DevTools' cost: a copy of example-app in `vite dev` (in test/.work, on a
 * port of its own, so it never meets the e2e suite's server or cache), a real Chromium page at
 * /inspect, and the page's own RPC throughput through its `$live` stub (64 calls in flight)
 * with the panel closed and open, in alternating rounds. Also the longest gap between
 * animation frames meanwhile. The copy leaves out the app's per-user call budget (300 calls per
 * 10 s in hooks.ws.ts), which a throughput run would hit at once.
 *
 * Kept short (a few thousand calls per round): a browser and a dev server are heavy for a bench
 * run on a shared machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const PORT = Number(process.env.BENCH_DEVTOOLS_PAGE_PORT ?? 5191);

/** Chromium as the e2e suite launches it: Playwright's own when installed, else the system's. */
export function executablePath() {
  try {
    if (fs.existsSync(chromium.executablePath())) return undefined;
  } catch {
    // no browser of Playwright's own on this machine
  }
  return '/usr/bin/chromium';
}

/** example-app copied into test/.work (so its imports resolve to this repo's packages), without the call budget. */
export function copyApp() {
  const root = path.join(repo, 'test/.work', `bench-devtools-page-${process.pid}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.cpSync(path.join(repo, 'example-app'), root, { recursive: true, filter: (source) => !/[\\/](node_modules|\.svelte-kit|build)$/.test(source) });
  const hooks = path.join(root, 'src/hooks.ws.ts');
  const source = fs.readFileSync(hooks, 'utf8');
  const budgeted = 'export const handle = sequence(slowLog, budget);';
  if (!source.includes(budgeted)) throw new Error(`bench devtools: ${hooks} no longer ends with "${budgeted}"; update copyApp() in bench/lib/devtools-page.js`);
  fs.writeFileSync(hooks, source.replace(budgeted, 'export const handle = slowLog;'));
  return root;
}

/**
 * example-app's dev server, in a process whose working directory is the app (SvelteKit reads
 * its config from there), with a Vite cache of its own.
 */
export function startDevServer(root) {
  const code = `
    import { createServer } from 'vite';
    const server = await createServer({ logLevel: 'error', server: { host: '127.0.0.1', port: ${PORT}, strictPort: true } });
    await server.listen();
    process.stdout.write('ready\\n');
    process.on('message', async () => { await server.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`example-app's dev server exited with code ${code}`)));
    child.stdout.on('data', (chunk) => {
      if (!String(chunk).includes('ready')) return;
      resolve({
        close: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', done);
            child.send('close');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          })
      });
    });
  });
}

/** Calls per second the page makes through `$live/inspect`'s echo, 64 in flight, and the longest frame gap. */
export function measure(page, total) {
  return page.evaluate(async (total) => {
    const stub = '/@id/__x00__live:inspect'; // what `$live/inspect` is served as in vite dev
    const { echo } = await import(/* @vite-ignore */ stub);
    let next = 0;
    let longest = 0;
    let last = performance.now();
    let frames = true;
    const frame = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      if (frames) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const start = performance.now();
    const worker = async () => {
      while (next < total) {
        next++;
        await echo('load', new Date());
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    frames = false;
    return { rate: total / ((performance.now() - start) / 1000), gap: longest };
  }, total);
}

export async function pageThroughput({ quick }) {
  const total = quick ? 500 : 3000;
  const rounds = quick ? 1 : 6;
  const root = copyApp();
  const server = await startDevServer(root);
  const browser = await chromium.launch({ executablePath: executablePath(), args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/inspect`);
    await page.getByTestId('connection').filter({ hasText: 'open' }).waitFor({ timeout: 60_000 });
    const launcher = page.getByRole('button', { name: 'svelte-realtime DevTools' });
    const dialog = page.getByRole('dialog', { name: 'svelte-realtime DevTools' });
    await launcher.waitFor();
    const setOpen = async (open) => {
      if ((await dialog.isVisible()) === open) return;
      await launcher.click();
      if (open) await dialog.getByRole('tab', { name: 'RPC' }).click();
      else await dialog.waitFor({ state: 'hidden' });
    };
    await measure(page, total); // warm-up: modules loaded, JIT warm
    const samples = { closed: [], open: [] };
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? ['closed', 'open'] : ['open', 'closed']) {
        await setOpen(mode === 'open');
        samples[mode].push(await measure(page, total));
      }
    }
    return { total, rounds, samples };
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
