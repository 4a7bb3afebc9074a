/**
 * `svelte-realtime:boundary`: server code never reaches the browser. A client import of a file
 * under `dir` is a build error naming the file that imports it and the `$live/...` import to
 * use instead.
 */
import type { Plugin } from 'vite';
import type { RealtimeApi } from '../api.js';
import type { LiveProject } from '../project.js';

export function boundaryPlugin(api: RealtimeApi): Plugin {
  /** In a build: who imported each file under `dir` (a bundle's module info lists no importers yet at `load`). */
  const importersOf = new Map<string, Set<string>>();
  return {
    name: 'svelte-realtime:boundary',
    enforce: 'pre',
    applyToEnvironment: (environment) => environment.config.consumer === 'client',
    resolveId: {
      // Not the virtual ids, nor `$live/...` (the stubs plugin's).
      filter: { id: /^(?!\0|\$live\/)/ },
      async handler(source, importer, options) {
        const project = api.project;
        if (this.environment.mode !== 'build' || !project || !importer) return null;
        const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
        const file = resolved?.id.split('?')[0];
        if (file && project.contains(file)) {
          let importers = importersOf.get(file);
          if (!importers) importersOf.set(file, (importers = new Set()));
          importers.add(importer);
        }
        return resolved;
      }
    },
    load(id) {
      const project = api.project;
      const file = id.split('?')[0]!;
      if (!project || !project.contains(file)) return null;
      // Who imports it: the dev server's module graph, or the resolutions recorded above in a build.
      const importers =
        this.environment.mode === 'dev'
          ? [...(this.environment.moduleGraph.getModuleById(id)?.importers ?? [])].map((m) => m.file ?? m.id ?? '')
          : [...(importersOf.get(file) ?? [])];
      this.error(boundaryMessage(project, file, importers));
    }
  };
}

/** `src/live/chat.ts is server code ...: import from '$live/chat' instead (imported by src/routes/+page.svelte).` */
export function boundaryMessage(project: LiveProject, file: string, importers: readonly string[]): string {
  const named = [...new Set(importers.filter(Boolean).map((importer) => project.relative(importer.split('?')[0]!)))];
  const by = named.length > 0 ? ` (imported by ${named.join(', ')})` : '';
  return `${project.relative(file)} is server code and cannot be imported in the browser: ${importHint(project.byFile(file)?.path)}${by}.`;
}

/** What to import instead of a file under `dir`. */
function importHint(modulePath: string | undefined): string {
  return modulePath !== undefined ? `import from '$live/${modulePath}' instead` : `import live modules through '$live/...'`;
}
