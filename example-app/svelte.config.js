import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { adapter } from 'svelte-realtime/vite';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  // adapter-node, plus the realtime WebSocket on the same server: `node build` serves both.
  kit: { adapter: adapter() }
};
