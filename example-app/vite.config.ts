import { sveltekit } from '@sveltejs/kit/vite';
import realtime from 'svelte-realtime/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit(), realtime()],
  server: { port: 5173, strictPort: true }
});
