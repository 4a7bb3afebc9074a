/**
 * svelte-realtime/internal/server: NOT API. What the code the Vite plugin generates (the server
 * registry module) imports; it may change in any release. Kept off svelte-realtime/server so a
 * live module's completions list only what a live module may use.
 */
export { getRuntime as __runtime } from './runtime.js';
