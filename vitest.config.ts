import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['e2e/**', 'node_modules/**', 'example-app/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks'
  }
});
