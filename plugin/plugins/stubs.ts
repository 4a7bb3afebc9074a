/**
 * `svelte-realtime:stubs`: `$live/x` resolves to the virtual module `\0live:x`, the client stub
 * generated from x's export table (regenerated when the file changes).
 */
import path from 'node:path';
import type { Plugin } from 'vite';
import type { RealtimeApi } from '../api.js';
import { generateClientStub } from '../generate.js';
import { LIVE_PREFIX, modulePathOfSpecifier, STUB_PREFIX } from '../ids.js';
import type { LiveProject } from '../project.js';

export function stubsPlugin(api: RealtimeApi): Plugin {
  return {
    name: 'svelte-realtime:stubs',
    resolveId: {
      filter: { id: /^\$live\// },
      handler(id, importer) {
        const modulePath = modulePathOfSpecifier(id);
        if (!api.project!.byPath(modulePath)) this.error(missingModuleMessage(api.project!, id, modulePath, importer ? [importer] : []));
        return STUB_PREFIX + modulePath;
      }
    },
    load: {
      filter: { id: /^\0live:/ },
      handler(id) {
        const modulePath = id.slice(STUB_PREFIX.length);
        const module = api.project!.byPath(modulePath);
        if (!module) {
          // Its file was deleted (or no longer parses) while a page still imports it.
          const graph = this.environment.mode === 'dev' ? this.environment.moduleGraph : undefined;
          const importers = [...(graph?.getModuleById(id)?.importers ?? [])].map((m) => m.file ?? m.id ?? '');
          this.error(missingModuleMessage(api.project!, `${LIVE_PREFIX}${modulePath}`, modulePath, importers));
        }
        // The stub depends on the source's export table: re-generate when the file changes.
        this.addWatchFile(module.file);
        return { code: generateClientStub(module), moduleSideEffects: false };
      }
    }
  };
}

/**
 * Why `$live/<modulePath>` has no module: its file does not parse (the parse error), or there is
 * no such file (where it was expected, which files import it, and the modules there are).
 */
export function missingModuleMessage(project: LiveProject, specifier: string, modulePath: string, importers: readonly string[] = []): string {
  const broken = [...project.broken.values()].find((e) => e.file.endsWith(`${modulePath}.ts`) || e.file.endsWith(`${modulePath}.js`));
  if (broken) return broken.message;
  const dir = project.options.dir;
  const known = project.list().map((m) => `$live/${m.path}`);
  const named = [...new Set(importers.filter((i) => i && !i.startsWith('\0')).map((i) => project.relative(i.split('?')[0]!)))];
  const by = named.length > 0 ? ` Imported by ${named.join(', ')}: restore the file or remove the import.` : '';
  return (
    `${specifier} has no live module: expected ${path.posix.join(dir, modulePath)}.ts. ` +
    (known.length ? `Live modules: ${known.join(', ')}.` : `There are no files in ${dir} yet.`) +
    by
  );
}
