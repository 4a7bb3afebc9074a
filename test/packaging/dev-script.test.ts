/**
 * `npm run dev -- --port 5190` at the repository root passes the flags on to the example app's
 * `vite dev`. Checked without starting a server: npm runs the scripts through a stand-in shell
 * that runs nested `npm` commands and prints any other command instead of running it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = path.join(repo, 'test/.work', `dev-script-${process.pid}`);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('npm run dev at the root', () => {
  it('passes its arguments to vite dev', { timeout: 60_000 }, async () => {
    fs.mkdirSync(work, { recursive: true });
    const shell = path.join(work, 'shell.sh');
    fs.writeFileSync(shell, '#!/bin/sh\ncase "$2" in\n  npm\\ *) exec /bin/sh -c "$2" ;;\n  *) echo "would run: $2" ;;\nesac\n', { mode: 0o755 });
    const { stdout } = await run('npm', ['run', 'dev', '--script-shell', shell, '--', '--port', '5190'], { cwd: repo });
    expect(stdout).toContain('would run: vite dev --port 5190');
  });
});
