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
const clientEntry = fileURLToPath(new URL('../../dist/runtime/client/index.js', import.meta.url));
/** The budget the README states for this page, in gzipped bytes. */
export const CLIENT_BUDGET_BYTES = 9 * 1024;

const gzip = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;

const LIVE_MODULE = `import { live } from 'svelte-realtime/server';
export const send = live(async (ctx, text: string) => text);
export const messages = live.stream('messages', async () => [] as { id: number; text: string }[]);
`;

const PAGE = `import { send, messages } from './chat-stub.js';
messages.subscribe((list) => console.log(list));
document.querySelector('form')?.addEventListener('submit', () => send('hello').then(console.log));
`;

/** Bundles the page; returns the minified code of every chunk. */
async function bundlePage(dir) {
  const table = parseLiveModule(LIVE_MODULE, 'src/live/chat.ts');
  const stub = generateClientStub({ path: 'chat', file: path.join(dir, 'chat.ts'), relative: 'src/live/chat.ts', exports: table.exports });
  fs.writeFileSync(path.join(dir, 'chat-stub.js'), stub);
  fs.writeFileSync(path.join(dir, 'page.js'), PAGE);
  const result = await build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    resolve: { alias: { 'svelte-realtime/client': clientEntry } },
    build: { write: false, minify: true, modulePreload: false, rolldownOptions: { input: path.join(dir, 'page.js') } }
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
  return outputs.filter((o) => o.type === 'chunk').map((o) => o.code).join('\n');
}

export default async function clientSize() {
  fs.mkdirSync(workDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(workDir, 'client-size-'));
  try {
    const code = await bundlePage(dir);
    const require = createRequire(import.meta.url);
    const socketIo = fs.readFileSync(path.join(path.dirname(require.resolve('socket.io-client/package.json')), 'dist/socket.io.min.js'));
    const ours = gzip(Buffer.from(code));
    const reference = gzip(socketIo);
    return [
      row({
        name: 'Client size, page with 1 RPC + 1 stream',
        value: ours,
        unit: 'B gz',
        reference: 'socket.io-client socket.io.min.js',
        referenceValue: reference,
        target: '<= 0.4',
        note: `${code.length} B minified, of which devalue (rich values) is about 3.9 KB gzipped`
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
