// Unit tests of the live modules (test/*.test.ts), run with svelte-realtime/test: no browser, no
// dev server. sveltekit() gives them the app's aliases ($lib); realtime() is not needed, since
// the tests load the modules themselves. Playwright's specs live in the repository's test/e2e.
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [sveltekit()],
  test: { include: ['test/**/*.test.ts'] }
});
