/**
 * The DevTools wire: what the dev server's channel (plugin/devtools/) and the overlay
 * (devtools-ui/) agree on. Compiled with the package into dist/; the overlay, shipped as source
 * and compiled by the app's Vite, imports it as `virtual:svelte-realtime/devtools-wire`, which
 * the devtools plugin resolves to this module (devtools-ui/tsconfig.json maps the id here too).
 */
export * from './internal-traffic.js';
export * from './messages.js';
export * from './packing.js';
export * from './preview.js';
export * from './tap.js';
/** The stores' own fold (runtime/merge.ts): the overlay's time travel folds a topic's events with it. */
export { applyEvent } from '../merge.js';
