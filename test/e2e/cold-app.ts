/**
 * A fresh copy of example-app, as a new user would have it: the package installed as a real
 * folder in node_modules (what `npm pack` ships: package.json, dist/, devtools-ui/), not the
 * workspace's symlink, so Vite pre-bundles it like any dependency; and a cold Vite cache (no
 * node_modules/.vite, `--force`) on every start. The copy lives in test/.work/ and adds one
 * page of its own (/counter) whose component keeps local state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const COUNTER_FILE = 'src/live/counter.ts';

/** The live module the /counter page calls; `label` is what a body edit changes. */
export const counterModule = (label: string, extra = '') => `import { live } from 'svelte-realtime/server';

let count = 0;

export const increment = live(() => \`${label}:\${++count}\`);
${extra}`;

const counterPage = `<script lang="ts">
  import { increment } from '$live/counter';

  // Local state: a remount of this component starts it again from 0.
  let clicks = $state(0);
  let reply = $state('');
  let hydrated = $state(false);
  $effect(() => {
    hydrated = true;
  });

  async function add() {
    const n = ++clicks;
    reply = \`\${n} waiting\`;
    try {
      reply = \`\${n} \${await increment()}\`;
    } catch (error) {
      reply = \`\${n} error \${(error as { code?: string }).code}\`;
    }
  }
</script>

<h1>Counter</h1>
<button onclick={add} data-hydrated={hydrated}>Add</button>
<p data-testid="clicks">{clicks}</p>
<p data-testid="reply">{reply}</p>
`;

export interface ColdApp {
  root: string;
  url: string;
  file(relative: string): string;
  write(relative: string, content: string): void;
  /** Starts `vite dev --force` on a cold cache; resolves when it serves. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Everything the dev server printed since it started. */
  output(): string;
  remove(): void;
}

/** Copies example-app and the packed package into test/.work/<label>-<pid>. */
export async function createColdApp(label: string): Promise<ColdApp> {
  const root = path.join(repo, 'test/.work', `${label}-${process.pid}`);
  fs.rmSync(root, { recursive: true, force: true });
  const source = path.join(repo, 'example-app');
  for (const entry of ['src', 'package.json', 'svelte.config.js', 'tsconfig.json', 'vite.config.ts']) {
    fs.cpSync(path.join(source, entry), path.join(root, entry), { recursive: true });
  }
  const installed = path.join(root, 'node_modules/svelte-realtime');
  for (const entry of ['package.json', 'dist', 'devtools-ui']) {
    fs.cpSync(path.join(repo, entry), path.join(installed, entry), { recursive: true });
  }
  const file = (relative: string) => path.join(root, relative);
  const write = (relative: string, content: string) => {
    fs.mkdirSync(path.dirname(file(relative)), { recursive: true });
    fs.writeFileSync(file(relative), content);
  };
  write(COUNTER_FILE, counterModule('v1'));
  write('src/routes/counter/+page.svelte', counterPage);

  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';
  return {
    root,
    url: `http://127.0.0.1:${port}`,
    file,
    write,
    async start() {
      fs.rmSync(path.join(root, 'node_modules/.vite'), { recursive: true, force: true });
      log = '';
      child = spawn(process.execPath, [path.join(repo, 'node_modules/vite/bin/vite.js'), 'dev', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--force'], {
        cwd: root,
        env: { ...process.env, FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe']
      });
      child.stdout!.on('data', (chunk) => (log += chunk));
      child.stderr!.on('data', (chunk) => (log += chunk));
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`vite dev exited:\n${log}`);
        const up = await fetch(`http://127.0.0.1:${port}/__realtime-ready-probe`).then(() => true, () => false);
        if (up) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`vite dev did not start within 30 s:\n${log}`);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    output: () => log,
    remove() {
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
}
