/**
 * A real Vite build of a small app: what reaches the browser bundle, and what the user is told
 * when a component imports server code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build, type Rollup } from 'vite';
import realtime from '../../plugin/index.js';

const workRoot = path.join(import.meta.dirname, '..', '.work');
fs.mkdirSync(workRoot, { recursive: true });
const work = fs.mkdtempSync(path.join(workRoot, 'boundary-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const SERVER_SECRET = 'server-only-secret-7f3a';

/** Writes an app (index.html + main.ts + src/live) and builds its client bundle. */
async function buildApp(name: string, main: string): Promise<string> {
  const root = path.join(work, name);
  const files: Record<string, string> = {
    'index.html': '<!doctype html><script type="module" src="/main.ts"></script>',
    'main.ts': main,
    'src/lib/server/db.ts': `export const secret = ${JSON.stringify(SERVER_SECRET)};\nexport const rows = () => [{ id: 1, secret }];`,
    'src/live/chat.ts': [
      `import { live, LiveError } from 'svelte-realtime/server';`,
      `import { secret, rows } from '../lib/server/db';`,
      `export const send = live(async (ctx, text: string) => { if (!text) throw new LiveError('EMPTY', secret); return text; });`,
      `export const messages = live.stream('messages', () => rows());`,
      ''
    ].join('\n')
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  const output = (await build({
    root,
    configFile: false,
    logLevel: 'silent',
    plugins: [realtime({ typedImports: false })],
    build: { write: false, minify: false }
  })) as Rollup.RollupOutput;
  return output.output.map((chunk) => ('code' in chunk ? chunk.code : '')).join('\n');
}

describe('client bundle', () => {
  it('contains the stubs and the client runtime, and nothing of the server', async () => {
    const code = await buildApp('ok', `import { send, messages } from '$live/chat';\nconsole.log(send, messages);`);
    expect(code).toContain('"chat/send"');
    expect(code).toContain('"chat/messages"');
    expect(code).not.toContain(SERVER_SECRET);
    expect(code).not.toMatch(/class LiveError|new LiveError/);
    expect(code).not.toMatch(/from ['"]ws['"]|WebSocketServer/);
  });

  it('refuses a component importing a live file, and names the $live import to use', async () => {
    await expect(buildApp('direct', `import { send } from './src/live/chat';\nconsole.log(send);`)).rejects.toThrow(
      /src\/live\/chat\.ts is server code and cannot be imported in the browser: import from '\$live\/chat' instead/
    );
  });

  it('names the live modules that exist when $live/... has no file', async () => {
    await expect(buildApp('missing', `import { send } from '$live/chta';\nconsole.log(send);`)).rejects.toThrow(
      /\$live\/chta has no live module: expected src\/live\/chta\.ts\. Live modules: \$live\/chat/
    );
  });
});
