/**
 * Server hot reload: from saving a live module to its new handler being active, on a real Vite
 * dev server with the plugin (from dist/), for generated apps of 1 and 200 live modules. The
 * reference is a full restart of the same dev server (create, listen, every module loaded),
 * measured in this run. A save must cost per-file work: the 200-module app within 3x of the
 * 1-module one.
 *
 * Each save waits for the `reload` telemetry event of that file, then checks the handler
 * answers with the new code. Saves are spaced past the file watcher's 50 ms throttle.
 *
 * The 200-module app keeps its modules in folders of 10, as apps group them. Vite's file
 * watcher re-lists a file's whole folder on every change, so 200 modules in one flat folder
 * add that listing to each save: shown in its own row, for information.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import realtime from '../../dist/plugin/index.js';
import { getRuntime, resetRuntime } from '../../dist/runtime/server/runtime.js';
import { median, nowMs, row } from '../lib/stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const work = path.join(repo, 'bench/.work');

const source = (i, version) => `import { live } from 'svelte-realtime/server';

export const value = live(() => 'm${i} v${version}');
export const feed = live.stream('m${i}', () => [] as string[], { merge: 'latest' });
`;

/** `src/live/m<i>.ts`, or `src/live/area<k>/m<i>.ts` in folders of 10. Returns the root and each module's path. */
function generateApp(count, grouped) {
  const root = path.join(work, `hmr-${count}-${grouped ? 'grouped' : 'flat'}-${process.pid}`);
  fs.rmSync(root, { recursive: true, force: true });
  const paths = [];
  for (let i = 0; i < count; i++) {
    const modulePath = grouped ? `area${Math.floor(i / 10)}/m${i}` : `m${i}`;
    fs.mkdirSync(path.dirname(path.join(root, `src/live/${modulePath}.ts`)), { recursive: true });
    fs.writeFileSync(path.join(root, `src/live/${modulePath}.ts`), source(i, 0));
    paths.push(modulePath);
  }
  return { root, first: paths[0] };
}

/** Starts a dev server on the app and resolves once every live module is registered. */
async function startDev(root, count) {
  resetRuntime();
  const runtime = getRuntime();
  const listeners = new Set();
  runtime.telemetry.listen((event) => {
    if (event.type === 'reload') for (const listener of listeners) listener(event);
  });
  const loaded = new Promise((resolve) => listeners.add(function first() {
    listeners.delete(first);
    resolve();
  }));
  const server = await createServer({
    root,
    configFile: false,
    appType: 'custom',
    logLevel: 'silent',
    plugins: [realtime({ devtools: false, typedImports: false })],
    resolve: {
      alias: {
        'svelte-realtime/server': path.join(repo, 'dist/runtime/server/index.js'),
        'svelte-realtime/client': path.join(repo, 'dist/runtime/client/index.js'),
        'svelte-realtime/internal/server': path.join(repo, 'dist/runtime/server/internal.js'),
        'svelte-realtime/internal/client': path.join(repo, 'dist/runtime/client/internal.js')
      }
    },
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { host: '127.0.0.1', port: 0, watch: { ignored: [`${repo}/dist/**`] } }
  });
  await server.listen();
  await loaded;
  if (runtime.registry.list().length !== count * 2) throw new Error(`bench: expected ${count * 2} handlers, got ${runtime.registry.list().length}`);
  /** Resolves with the next reload event for `file` (relative). */
  const nextReload = (file) =>
    new Promise((resolve) => listeners.add(function wait(event) {
      if (event.file !== file) return;
      listeners.delete(wait);
      resolve(event);
    }));
  return { server, runtime, nextReload };
}

async function measureApp(count, grouped, { saves, restarts }) {
  const { root, first } = generateApp(count, grouped);
  try {
    const restartTimes = [];
    for (let i = 0; i < restarts; i++) {
      const started = nowMs();
      const dev = await startDev(root, count);
      restartTimes.push(nowMs() - started);
      await dev.server.close();
    }

    const dev = await startDev(root, count);
    const saveTimes = [];
    const file = path.join(root, `src/live/${first}.ts`);
    for (let version = 1; version <= saves; version++) {
      const reloaded = dev.nextReload(`src/live/${first}.ts`);
      const started = nowMs();
      fs.writeFileSync(file, source(0, version));
      const event = await reloaded;
      const answer = await dev.runtime.registry.get(`${first}/value`).handler.fn({});
      saveTimes.push(nowMs() - started);
      if (event.rolledBack || answer !== `m0 v${version}`) throw new Error(`bench: save ${version} did not take effect (${answer})`);
      // Past the watcher's throttle, so the next save is seen as its own change.
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await dev.server.close();
    return { save: median(saveTimes), restart: median(restartTimes) };
  } finally {
    resetRuntime();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export default async function hmr({ quick }) {
  const plan = quick ? { saves: 3, restarts: 1 } : { saves: 20, restarts: 3 };
  const one = await measureApp(1, false, plan);
  const many = await measureApp(200, true, plan);
  const flat = await measureApp(200, false, { ...plan, restarts: 1 });
  return [
    row({
      name: 'save → new handler active (1 live module)',
      value: one.save,
      unit: 'ms',
      reference: 'dev server restart (1 live module)',
      referenceValue: one.restart,
      target: '<= 0.05'
    }),
    row({
      name: 'save → new handler active (200 live modules, folders of 10)',
      value: many.save,
      unit: 'ms',
      reference: 'dev server restart (200 live modules)',
      referenceValue: many.restart,
      target: '<= 0.05'
    }),
    row({
      name: 'save → new handler active, 200 vs 1 live modules',
      value: many.save,
      unit: 'ms',
      reference: 'the same with 1 live module',
      referenceValue: one.save,
      target: '<= 3',
      note: 'per-file work: only the saved module is parsed and imported again (200 modules in folders of 10)'
    }),
    row({
      name: 'save → new handler active, 200 modules in one folder vs 1',
      value: flat.save,
      unit: 'ms',
      reference: 'the same with 1 live module',
      referenceValue: one.save,
      note: "information: Vite's file watcher re-lists the saved file's folder (200 entries) on each change"
    })
  ];
}
