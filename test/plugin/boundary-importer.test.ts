/**
 * The boundary error names the file that imports server code, in a build and in `vite dev`
 * (where the browser's request for the file is what fails, and the overlay shows the message).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import realtime from '../../plugin/index.js';
import { startDevApp } from '../helpers/vite.js';

const workRoot = path.join(import.meta.dirname, '..', '.work');
fs.mkdirSync(workRoot, { recursive: true });
const work = fs.mkdtempSync(path.join(workRoot, 'boundary-importer-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const chat = `import { live } from 'svelte-realtime/server';\nexport const send = live(async (_ctx, text: string) => text);\n`;

describe('importing a live file in the browser', () => {
  it('fails the build naming the importing file and the $live import to use', async () => {
    const root = path.join(work, 'build');
    const files: Record<string, string> = {
      'index.html': '<!doctype html><script type="module" src="/src/main.ts"></script>',
      'src/main.ts': `import './components/chat-box';\n`,
      'src/components/chat-box.ts': `import { send } from '../live/chat';\nconsole.log(send);\n`,
      'src/live/chat.ts': chat
    };
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), content);
    }
    const building = build({ root, configFile: false, logLevel: 'silent', plugins: [realtime({ typedImports: false })], build: { write: false } });
    await expect(building).rejects.toThrow(
      "src/live/chat.ts is server code and cannot be imported in the browser: import from '$live/chat' instead (imported by src/components/chat-box.ts)."
    );
  });

  it('in vite dev, the request for the file fails with the same message', async () => {
    const app = await startDevApp('hmr-app', 'boundary-importer');
    try {
      app.write('src/widget.ts', `import { hello } from './live/greet';\nconsole.log(hello);\n`);
      const client = app.server.environments.client;
      await client.transformRequest('/src/widget.ts');
      await expect(client.transformRequest('/src/live/greet.ts')).rejects.toThrow(
        "src/live/greet.ts is server code and cannot be imported in the browser: import from '$live/greet' instead (imported by src/widget.ts)."
      );
    } finally {
      await app.close();
    }
  });
});
