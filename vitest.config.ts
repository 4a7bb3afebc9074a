import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The overlay imports the DevTools wire by the virtual id the devtools plugin serves it under.
  resolve: { alias: { 'virtual:svelte-realtime/devtools-wire': fileURLToPath(new URL('./runtime/devtools-wire/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['e2e/**', 'node_modules/**', 'example-app/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks'
  }
});
