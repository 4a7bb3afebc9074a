/**
 * Server-side reload of live modules in a real Vite dev server: edit, syntax error, throw at
 * import, added and deleted files and folders, a dependency's change, and what the browser
 * is told (overlay, stub updates).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/server.js';
import { startDevApp, waitFor, type DevApp, type HmrClient } from '../helpers/vite.js';

let app: DevApp;
let client: TestClient;
let hmr: HmrClient;
beforeAll(async () => {
  app = await startDevApp('hmr-app', 'reload');
  client = await TestClient.connect(app.url);
  hmr = await app.hmrClient();
});
afterAll(async () => {
  hmr?.close();
  client?.close();
  await app?.close();
});

const greet = (body: string) => `import { live } from 'svelte-realtime/server';\n\n${body}\n`;
const errors = () => app.logs.filter((l) => l.type === 'error' && l.message.includes('[svelte-realtime]')).map((l) => l.message);

describe('editing a live module', () => {
  it('runs the new code on the next call, on the same connection', async () => {
    expect(await client.call('greet/hello', 'ann')).toMatchObject({ t: 'result', data: 'hello ann v1' });
    const event = await app.save('src/live/greet.ts', greet('export const hello = live((_ctx, name: string) => `hello ${name} v2`);'));
    expect(event).toMatchObject({ file: 'src/live/greet.ts', rolledBack: false, added: [], removed: [], changed: [{ path: 'greet/hello', kind: 'live' }] });
    expect(event.duration).toBeGreaterThanOrEqual(0);
    expect(await client.call('greet/hello', 'ann')).toMatchObject({ t: 'result', data: 'hello ann v2' });
    expect(client.socket.readyState).toBe(1);
  });

  it('keeps the old handlers on a syntax error, reports file:line:column, and takes the fix', async () => {
    const event = await app.save('src/live/greet.ts', greet('export const hello = live((_ctx, name: string) => `hello ${name} v3`);\nconst = 4;'));
    expect(event.rolledBack).toBe(true);
    expect(event.error).toMatchObject({ file: 'src/live/greet.ts', line: 4, column: expect.any(Number) });
    expect(event.changed).toEqual([]);
    // The terminal: one line with the position and what to do.
    expect(errors().at(-1)).toMatch(/src\/live\/greet\.ts:4:\d+ does not parse: .+\. Its previous handlers stay active; fix it and save\./);
    // The browser's overlay gets the same, with a location it can link to.
    const overlay = await hmr.next((m) => m.type === 'error');
    expect(overlay).toMatchObject({ type: 'error', err: { plugin: 'svelte-realtime', loc: { file: app.file('src/live/greet.ts'), line: 4 } } });
    expect((overlay as { err: { message: string } }).err.message).toMatch(/src\/live\/greet\.ts:4:\d+/);
    // The server keeps answering with the previous handler.
    expect(await client.call('greet/hello', 'bob')).toMatchObject({ t: 'result', data: 'hello bob v2' });

    const fixed = await app.save('src/live/greet.ts', greet('export const hello = live((_ctx, name: string) => `hello ${name} v4`);'));
    expect(fixed).toMatchObject({ rolledBack: false, changed: [{ path: 'greet/hello', kind: 'live' }] });
    expect(fixed.error).toBeUndefined();
    expect(await client.call('greet/hello', 'bob')).toMatchObject({ t: 'result', data: 'hello bob v4' });
    // Fixed: the page is told to close the overlay.
    await hmr.next((m) => m.type === 'custom' && m.event === 'svelte-realtime:recovered');
  });

  it('rolls back a module that throws while loading, naming the line that threw', async () => {
    const event = await app.save(
      'src/live/greet.ts',
      greet("export const hello = live((_ctx, name: string) => `hello ${name} v5`);\nthrow new Error('no database at load');")
    );
    expect(event).toMatchObject({ rolledBack: true, changed: [], error: { file: 'src/live/greet.ts', line: 4 } });
    expect(errors().at(-1)).toMatch(/src\/live\/greet\.ts:4:\d+ threw while loading: no database at load\. Its previous handlers stay active/);
    expect(await client.call('greet/hello', 'cy')).toMatchObject({ t: 'result', data: 'hello cy v4' });

    await app.save('src/live/greet.ts', greet('export const hello = live((_ctx, name: string) => `hello ${name} v6`);'));
    expect(await client.call('greet/hello', 'cy')).toMatchObject({ t: 'result', data: 'hello cy v6' });
  });

  it('keeps a module whose export is not what the plugin read, with a clear message', async () => {
    const event = await app.save('src/live/greet.ts', greet('const make = (x: unknown) => x;\nexport const hello = live((_ctx, name: string) => `hello ${name} v7`);\n(hello as any)[Symbol.for("svelte-realtime.handler")] = "stream";'));
    expect(event.rolledBack).toBe(true);
    expect(event.error?.message).toMatch(/export hello should be a live handler/);
    expect(await client.call('greet/hello', 'di')).toMatchObject({ t: 'result', data: 'hello di v6' });
    await app.save('src/live/greet.ts', greet('export const hello = live((_ctx, name: string) => `hello ${name} v8`);'));
    expect(await client.call('greet/hello', 'di')).toMatchObject({ t: 'result', data: 'hello di v8' });
  });
});

describe('adding and deleting', () => {
  it('makes an added file callable and a deleted one unknown', async () => {
    expect(await client.call('extra/answer')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    const added = await app.save('src/live/extra.ts', greet('export const answer = live(() => 42);'), (e) => e.file === 'src/live/extra.ts');
    expect(added).toMatchObject({ added: [{ path: 'extra/answer', kind: 'live' }], removed: [], rolledBack: false });
    expect(await client.call('extra/answer')).toMatchObject({ t: 'result', data: 42 });

    const after = app.reloads.length;
    app.remove('src/live/extra.ts');
    const removed = await app.reload((e) => e.file === 'src/live/extra.ts', after);
    expect(removed).toMatchObject({ removed: [{ path: 'extra/answer', kind: 'live' }], added: [] });
    const gone = await client.call('extra/answer');
    expect(gone).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect((gone as { message: string }).message).toMatch(/No live function at "extra\/answer"/);
    // Other modules are untouched.
    expect(await client.call('greet/hello', 'ed')).toMatchObject({ t: 'result', data: 'hello ed v8' });
  });

  it('registers a folder of modules and forgets it when the folder is deleted', async () => {
    const after = app.reloads.length;
    app.write('src/live/admin/users.ts', greet("export const list = live(() => ['ann']);"));
    app.write('src/live/admin/roles.ts', greet("export const list = live(() => ['admin']);"));
    await waitFor(() => app.reloads.slice(after).some((e) => e.added.some((a) => a.path === 'admin/roles/list')) && app.reloads.slice(after).some((e) => e.added.some((a) => a.path === 'admin/users/list')), 'both modules', 15_000);
    expect(await client.call('admin/users/list')).toMatchObject({ t: 'result', data: ['ann'] });
    expect(await client.call('admin/roles/list')).toMatchObject({ t: 'result', data: ['admin'] });

    app.remove('src/live/admin');
    await waitFor(() => !app.runtime.registry.get('admin/users/list') && !app.runtime.registry.get('admin/roles/list'), 'the folder to be unregistered', 15_000);
    expect(await client.call('admin/users/list')).toMatchObject({ t: 'error', code: 'UNKNOWN_PATH' });
    expect(await client.call('greet/hello', 'fa')).toMatchObject({ t: 'result', data: 'hello fa v8' });
  });
});

describe('dependencies', () => {
  it('reloads the live modules that import a changed module', async () => {
    expect(await client.call('stats/dbVersion')).toMatchObject({ t: 'result', data: 'db v1' });
    const event = await app.save('src/lib/server/db.ts', "export const version = 'db v2';\n");
    expect(event).toMatchObject({ file: 'src/lib/server/db.ts', changed: [{ path: 'stats/dbVersion', kind: 'live' }], rolledBack: false });
    expect(await client.call('stats/dbVersion')).toMatchObject({ t: 'result', data: 'db v2' });
  });
});

describe('the browser', () => {
  it('gets a stub update only when the exports change', async () => {
    // A page module importing $live/greet, accepting its own updates like a component does.
    app.write('src/page.ts', "import { hello } from '$live/greet';\nexport const h = hello;\nif (import.meta.hot) import.meta.hot.accept();\n");
    const clientEnv = app.server.environments.client;
    await clientEnv.transformRequest('/src/page.ts');
    const stub = [...clientEnv.moduleGraph.idToModuleMap.values()].find((m) => m.id === '\0live:greet')!;
    await clientEnv.transformRequest(stub.url);
    hmr.messages.length = 0;

    // Same exports, new body: nothing for the browser.
    await app.save('src/live/greet.ts', greet('export const hello = live((_ctx, name: string) => `hello ${name} v9`);'));
    // New export: the stub changes and the page module updates through HMR.
    await app.save('src/live/greet.ts', greet('export const hello = live((_ctx, name: string) => `hello ${name} v10`);\nexport const bye = live(() => "bye");'));
    const update = await hmr.next((m) => m.type === 'update' || m.type === 'full-reload');
    expect(update).toMatchObject({ type: 'update', updates: [{ path: '/src/page.ts' }] });
    expect(hmr.messages.filter((m) => m.type === 'update' || m.type === 'full-reload')).toEqual([]);
    const code = (await clientEnv.transformRequest(stub.url))!.code;
    expect(code).toContain('"greet/bye"');
    expect(await client.call('greet/bye')).toMatchObject({ t: 'result', data: 'bye' });
  });

  it('reloads a page that imported a $live module before its file existed', async () => {
    app.write('src/late-page.ts', "import { soon } from '$live/late';\nexport const s = soon;\n");
    const load = () => app.server.environments.client.transformRequest('/src/late-page.ts').then(() => 'loaded', (error: Error) => error.message);
    await expect.poll(load, { timeout: 10_000 }).toMatch(/\$live\/late has no live module/);
    hmr.messages.length = 0;
    await app.save('src/live/late.ts', greet("export const soon = live(() => 'here');"), (e) => e.file === 'src/live/late.ts');
    await hmr.next((m) => m.type === 'full-reload');
    expect(await client.call('late/soon')).toMatchObject({ t: 'result', data: 'here' });
  });
});

describe('src/hooks.ws.ts', () => {
  it('reloads when added and edited: new connections get the new upgrade hook', async () => {
    await app.save('src/live/who.ts', greet('export const me = live((ctx) => ctx.user);'), (e) => e.file === 'src/live/who.ts');
    const hooks = (name: string) => `export const upgrade = () => ({ name: '${name}' });\n`;
    await app.save('src/hooks.ws.ts', hooks('h1'));
    const first = await TestClient.connect(app.url);
    expect(await first.call('who/me')).toMatchObject({ t: 'result', data: { name: 'h1' } });

    await app.save('src/hooks.ws.ts', hooks('h2'));
    const second = await TestClient.connect(app.url);
    expect(await second.call('who/me')).toMatchObject({ t: 'result', data: { name: 'h2' } });
    // A connection keeps the user it was opened with.
    expect(await first.call('who/me')).toMatchObject({ t: 'result', data: { name: 'h1' } });
    first.close();
    second.close();
  });
});

describe('what a reload reports as changed', () => {
  const pair = (a: string, b: string, shared = "const suffix = '!';") =>
    greet(`${shared}\nexport const a = live(() => '${a}' + suffix);\nexport const b = live(() => '${b}' + suffix);`);

  it('names only the exports whose source changed, and every export when shared code did', async () => {
    const created = await app.save('src/live/pair.ts', pair('a1', 'b1'));
    expect(created.added.map((e) => e.path).sort()).toEqual(['pair/a', 'pair/b']);

    const one = await app.save('src/live/pair.ts', pair('a2', 'b1'));
    expect(one).toMatchObject({ added: [], removed: [], changed: [{ path: 'pair/a', kind: 'live' }] });
    expect(await client.call('pair/a')).toMatchObject({ t: 'result', data: 'a2!' });

    const shared = await app.save('src/live/pair.ts', pair('a2', 'b1', "const suffix = '?';"));
    expect(shared.changed.map((e) => e.path).sort()).toEqual(['pair/a', 'pair/b']);
    expect(await client.call('pair/b')).toMatchObject({ t: 'result', data: 'b1?' });
  });
});

describe('a save caught mid-write', () => {
  it('reads the file once the write is done, not the empty file the watcher fired on', async () => {
    await app.save('src/live/slow.ts', greet("export const v = live(() => 'one');"));
    const after = app.reloads.length;
    // A slow writer: truncate, pause, then write, as an editor saving a large file may.
    const fd = fs.openSync(app.file('src/live/slow.ts'), 'w');
    await new Promise((resolve) => setTimeout(resolve, 30));
    fs.writeSync(fd, greet("export const v = live(() => 'two');"));
    fs.closeSync(fd);
    const event = await app.reload((e) => e.file === 'src/live/slow.ts', after);
    expect(event.removed).toEqual([]);
    expect(await client.call('slow/v')).toMatchObject({ t: 'result', data: 'two' });
    // No reload ever saw the empty file: none removed the export.
    expect(app.reloads.slice(after).flatMap((e) => e.removed)).toEqual([]);
  });
});
