/**
 * Plugin: scan, parse and generate (stubs, registry, types) for a generated app of 500 live
 * modules with 5 exports each; cold (a fresh project), warm (nothing changed) and after one
 * file changes. Measured through LiveProject and the generate functions, as the plugin's hooks
 * call them. The cold run's reference is oxc alone parsing the same files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'oxc-parser';
import { LiveProject } from '../../dist/plugin/project.js';
import { resolveOptions } from '../../dist/plugin/options.js';
import { generateClientStub, generateRegistry, generateTypes } from '../../dist/plugin/generate.js';
import { median, row } from '../lib/stats.js';

const workDir = fileURLToPath(new URL('../.work/', import.meta.url));

/** One live module: three functions, a static stream and a dynamic one. */
function source(i, edit = '') {
  return `import { live, LiveError } from 'svelte-realtime/server';
import { db } from '$lib/server/db';

export const get${i} = live(async (ctx, id: string) => {
  const item = await db.items.get(id);
  if (!item) throw new LiveError('NOT_FOUND', 'No item ' + id);
  return item;
});

export const update${i} = live(async (ctx, id: string, text: string) => {
  const item = await db.items.update(id, { text${edit} });
  ctx.publish('items${i}', 'updated', item);
  return item;
});

export const remove${i} = live(async (ctx, id: string) => {
  await db.items.remove(id);
  ctx.publish('items${i}', 'deleted', id);
});

export const items${i} = live.stream('items${i}', () => db.items.list(${i}), { merge: 'crud', key: 'id' });

export const room${i} = live.stream((ctx, room: string) => 'room${i}:' + room, (ctx, room: string) => db.rooms.history(room), {
  merge: 'latest',
  max: 100
});
`;
}

function createApp(root, modules) {
  const files = [];
  for (let i = 0; i < modules; i++) {
    const file = path.join(root, 'src/live', `area${i % 10}`, `module${i}.ts`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, source(i));
    files.push(file);
  }
  return files;
}

const quiet = { warn() {}, error() {} };

/** What the plugin produces for the whole app: every stub, the registry and the types. */
function generateAll(project) {
  const modules = project.list();
  let bytes = 0;
  for (const module of modules) bytes += generateClientStub(module).length;
  bytes += generateRegistry({ modules, dev: false, origins: [] }).length;
  bytes += generateTypes(modules, project.dir).length;
  return bytes;
}

function time(fn) {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

export default async function plugin({ quick }) {
  const modules = quick ? 50 : 500;
  const runs = quick ? 2 : 7;
  const root = fs.mkdtempSync(path.join((fs.mkdirSync(workDir, { recursive: true }), workDir), 'plugin-'));
  try {
    const files = createApp(root, modules);
    const options = resolveOptions({ typedImports: false });

    const parseOnly = [];
    const cold = [];
    const warm = [];
    const rebuild = [];
    for (let run = 0; run < runs; run++) {
      parseOnly.push(time(() => {
        // `.program` is read lazily by oxc-parser: taking it is part of parsing for any consumer.
        for (const file of files) void parseSync(file, fs.readFileSync(file, 'utf8'), { sourceType: 'module', lang: 'ts' }).program;
      }));
      const project = new LiveProject(root, options, quiet);
      cold.push(time(() => {
        project.scan(true);
        generateAll(project);
      }));
      if (project.list().length !== modules || project.list()[0].exports.length !== 5) {
        throw new Error(`plugin bench: expected ${modules} modules of 5 exports, found ${project.list().length}`);
      }
      warm.push(time(() => {
        project.scan(true);
        generateAll(project);
      }));
      // One save: what the dev server does for it (re-read the file, regenerate).
      const changed = files[run % files.length];
      fs.writeFileSync(changed, source(run % files.length, `, edited: ${run + 1}`));
      rebuild.push(time(() => {
        const change = project.update(changed);
        generateClientStub(project.byFile(changed));
        generateRegistry({ modules: project.list(), dev: false, origins: [] });
        generateTypes(project.list(), project.dir);
        if (!change) throw new Error('plugin bench: the edited file was not recognised');
      }));
      fs.writeFileSync(changed, source(run % files.length));
    }
    const coldMs = median(cold);
    const shape = `${modules} modules x 5 exports`;
    return [
      row({ name: `Plugin cold scan+parse+generate (${shape})`, value: coldMs, unit: 'ms', reference: 'oxc parse alone', referenceValue: median(parseOnly), note: 'reference: reading the same files and parsing them to an AST with oxc-parser, without export tables or generation' }),
      row({ name: 'Plugin warm (nothing changed)', value: median(warm), unit: 'ms', reference: 'cold', referenceValue: coldMs }),
      row({ name: 'Plugin rebuild after one file changes', value: median(rebuild), unit: 'ms', reference: 'cold', referenceValue: coldMs, target: '<= 0.05' })
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
