import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { adapter } from 'svelte-realtime/vite';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  // adapter-node, plus the realtime WebSocket on the same server: `node build` serves both.
  // Remote functions (experimental in Kit 2) for /remote: a form, a command and a query.live beside $live.
  kit: { adapter: adapter(), experimental: { remoteFunctions: true } }
};
