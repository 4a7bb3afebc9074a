/**
 * A page that still imports a live module after its file is deleted: the browser's request for
 * `$live/x` fails with a message naming `$live/x` and the importing file, and Vite's overlay
 * shows it (not Node's "Received '\x00live:x'").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevApp, type DevApp, type HmrClient } from '../helpers/vite.js';

let app: DevApp;
let hmr: HmrClient;
beforeAll(async () => {
  app = await startDevApp('hmr-app', 'missing-live-module');
  hmr = await app.hmrClient();
});
afterAll(async () => {
  hmr?.close();
  await app?.close();
});

describe('a deleted live module still imported by a page', () => {
  it('names $live/greet and the importing file, in the response and the overlay', async () => {
    app.write('src/widget.ts', `import { hello } from '$live/greet';\nconsole.log(hello);\n`);
    const base = app.url.replace('ws://', 'http://').replace('/__realtime', '');
    const widget = await fetch(`${base}/src/widget.ts`);
    expect(widget.status).toBe(200);
    const stubUrl = `${base}/@id/__x00__live:greet`;
    expect((await fetch(stubUrl)).status).toBe(200);

    const removed = app.reloads.length;
    app.remove('src/live/greet.ts');
    await app.reload(() => true, removed);

    const expected = '$live/greet has no live module: expected src/live/greet.ts. Live modules: $live/feed, $live/stats. Imported by src/widget.ts: restore the file or remove the import.';
    const response = await fetch(stubUrl);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain(expected);
    const overlay = await hmr.next((m) => m.type === 'error');
    expect((overlay as { err: { message: string } }).err.message).toContain(expected);
    expect((overlay as { err: { message: string } }).err.message).not.toContain('\0');
  });
});
