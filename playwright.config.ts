/**
 * The end-to-end suite: test/e2e/*.spec.ts against example-app, twice — in `vite dev` and in
 * the production build (`node build`). `npm run test:e2e` builds the app first.
 *
 * Playwright cannot download its own browser on every machine; when it has none, the system's
 * Chromium (/usr/bin/chromium) is used.
 */
import fs from 'node:fs';
import { chromium, defineConfig, devices } from '@playwright/test';

const DEV_PORT = Number(process.env.E2E_DEV_PORT ?? 5180);
const PROD_PORT = Number(process.env.E2E_PROD_PORT ?? 4180);

/** `--project=dev` or `--project dev` runs one mode; only that mode's server is started. */
const selected = (() => {
  const i = process.argv.findIndex((a) => a === '--project' || a.startsWith('--project='));
  if (i === -1) return undefined;
  return process.argv[i].includes('=') ? process.argv[i].split('=')[1] : process.argv[i + 1];
})();

const bundled = (() => {
  try {
    return fs.existsSync(chromium.executablePath());
  } catch {
    return false;
  }
})();

const launchOptions = {
  executablePath: bundled ? undefined : '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync'
  ]
};

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0, // a test that passes only on a retry is a flake to fix, not to hide
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: { ...devices['Desktop Chrome'], launchOptions, trace: 'retain-on-failure' },
  projects: [
    { name: 'dev', use: { baseURL: `http://127.0.0.1:${DEV_PORT}` }, metadata: { mode: 'dev' } },
    { name: 'prod', use: { baseURL: `http://127.0.0.1:${PROD_PORT}` }, metadata: { mode: 'prod' } }
  ],
  webServer: [
    selected !== 'prod' && {
      // --force: re-bundle svelte-realtime/client from the current dist/, never a stale copy
      // from an earlier build (a client older than the server cannot read its frames).
      command: `npx vite dev --host 127.0.0.1 --port ${DEV_PORT} --strictPort --force`,
      cwd: 'example-app',
      url: `http://127.0.0.1:${DEV_PORT}`,
      reuseExistingServer: false,
      timeout: 60_000
    },
    selected !== 'dev' && {
      command: 'node build',
      cwd: 'example-app',
      url: `http://127.0.0.1:${PROD_PORT}`,
      env: { PORT: String(PROD_PORT), HOST: '127.0.0.1', ORIGIN: `http://127.0.0.1:${PROD_PORT}` },
      reuseExistingServer: false,
      timeout: 30_000
    }
  ].filter((server) => server !== false)
});
