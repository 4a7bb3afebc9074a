/**
 * `svelte-realtime:boundary`: server code never reaches the browser. A client import of a file
 * under `dir` is a build error naming the `$live/...` import to use instead.
 */
import type { Plugin } from 'vite';
import type { RealtimeApi } from '../api.js';

export function boundaryPlugin(api: RealtimeApi): Plugin {
  return {
    name: 'svelte-realtime:boundary',
    enforce: 'pre',
    applyToEnvironment: (environment) => environment.config.consumer === 'client',
    load(id) {
      const project = api.project;
      const file = id.split('?')[0]!;
      if (!project || !project.contains(file)) return null;
      this.error(`${project.relative(file)} is server code and cannot be imported in the browser: ${importHint(project.byFile(file)?.path)}.`);
    }
  };
}

/** What to import instead of a file under `dir`. */
function importHint(modulePath: string | undefined): string {
  return modulePath !== undefined ? `import from '$live/${modulePath}' instead` : `import live modules through '$live/...'`;
}
