/**
 * Client size: what a page with one RPC and one stream ships, the client runtime plus the
 * generated `$live` stub, bundled by Vite's own production build (tree-shaken, minified) and
 * gzipped; against socket.io-client's browser bundle (dist/socket.io.min.js), gzipped the
 * same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { parseLiveModule } from '../../dist/plugin/parse.js';
import { generateClientStub } from '../../dist/plugin/generate.js';
import { row } from '../lib/stats.js';

const workDir = fileURLToPath(new URL('../.work/', import.meta.url));
const clientEntry = fileURLToPath(new URL('../../dist/runtime/client/internal.js', import.meta.url));
const VITE_HELPER = 'vite-preload-helper';
/** The budget the README states for this page, in gzipped bytes. */
export const CLIENT_BUDGET_BYTES = 6 * 1024;

const gzip = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;

const LIVE_MODULE = `import { live } from 'svelte-realtime/server';
export const send = live(async (ctx, text: string) => text);
export const messages = live.stream('messages', async () => [] as { id: number; text: string }[]);
`;

const PAGE = `import { send, messages } from './chat-stub.js';
messages.subscribe((list) => console.log(list));
document.querySelector('form')?.addEventListener('submit', () => send('hello').then(console.log));
`;

/**
 * Bundles the page; returns the minified code the page loads up front (the entry chunk and what
 * it imports statically) and the code it loads only on demand (devalue, when a Date, Map or
 * other rich value first crosses the wire).
 */
async function bundlePage(dir) {
  const table = parseLiveModule(LIVE_MODULE, 'src/live/chat.ts');
  const stub = generateClientStub({ path: 'chat', file: path.join(dir, 'chat.ts'), relative: 'src/live/chat.ts', exports: table.exports });
  fs.writeFileSync(path.join(dir, 'chat-stub.js'), stub);
  fs.writeFileSync(path.join(dir, 'page.js'), PAGE);
  const result = await build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    resolve: { alias: { 'svelte-realtime/internal/client': clientEntry } },
    build: {
      write: false,
      minify: true,
      modulePreload: false,
      rolldownOptions: {
        input: path.join(dir, 'page.js'),
        // Vite's preload helper wraps every dynamic import; a SvelteKit app already ships it in
        // its own entry (its router loads pages that way), so it is not counted as ours.
        output: { advancedChunks: { groups: [{ name: VITE_HELPER, test: /vite\/preload-helper/ }] } }
      }
    }
  });
  const chunks = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output).filter((o) => o.type === 'chunk');
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const upFront = new Set();
  const visit = (chunk) => {
    if (upFront.has(chunk)) return;
    upFront.add(chunk);
    for (const name of chunk.imports) visit(byName.get(name));
  };
  for (const chunk of chunks) if (chunk.isEntry) visit(chunk);
  for (const chunk of chunks) if (chunk.name === VITE_HELPER) upFront.delete(chunk);
  const code = (list) => list.map((c) => c.code).join('\n');
  return { code: code([...upFront]), lazy: code(chunks.filter((c) => !upFront.has(c) && c.name !== VITE_HELPER)) };
}

export default async function clientSize() {
  fs.mkdirSync(workDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(workDir, 'client-size-'));
  try {
    const { code, lazy } = await bundlePage(dir);
    if (process.env.CLIENT_SIZE_DUMP) fs.writeFileSync(process.env.CLIENT_SIZE_DUMP, code);
    const require = createRequire(import.meta.url);
    const socketIo = fs.readFileSync(path.join(path.dirname(require.resolve('socket.io-client/package.json')), 'dist/socket.io.min.js'));
    const ours = gzip(Buffer.from(code));
    const reference = gzip(socketIo);
    const onDemand = lazy.length > 0 ? gzip(Buffer.from(lazy)) : 0;
    return [
      row({
        name: 'Client size, page with 1 RPC + 1 stream',
        value: ours,
        unit: 'B gz',
        reference: 'socket.io-client socket.io.min.js',
        referenceValue: reference,
        target: '<= 0.4',
        note: `${code.length} B minified, loaded up front; devalue (${onDemand} B gz) loads only when a Date, Map or other rich value first crosses the wire`
      }),
      row({
        name: 'Client size against its budget',
        value: ours,
        unit: 'B gz',
        reference: 'budget stated in README',
        referenceValue: CLIENT_BUDGET_BYTES,
        target: '<= 1'
      })
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
