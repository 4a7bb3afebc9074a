/** `svelte-realtime:scan`: reads the live modules at build start (dev and build) and writes the `$live` types. */
import type { Plugin } from 'vite';
import type { RealtimeApi } from '../api.js';

export function scanPlugin(api: RealtimeApi): Plugin {
  return {
    name: 'svelte-realtime:scan',
    buildStart() {
      // A build fails on a module that does not parse; dev reports it and serves the others.
      api.project!.scan(api.config!.command === 'build');
      api.project!.writeTypes();
    }
  };
}
