/**
 * The `svelte-realtime` command (bin/svelte-realtime.js runs it). One subcommand today:
 *
 *   svelte-realtime sync [--root <folder>]   write <dir>/$types.d.ts from the live modules
 */
import path from 'node:path';
import { syncTypes } from './sync.js';

const USAGE = 'usage: svelte-realtime sync [--root <folder>]\n  sync   write the $live type declarations (<dir>/$types.d.ts) without starting Vite';

/** Runs the command with `argv` (after the program name); resolves with the exit code. */
export async function main(argv: readonly string[], out: Pick<Console, 'log' | 'error' | 'warn'> = console): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    out.log(USAGE);
    return 0;
  }
  if (command !== 'sync') {
    out.error(command === undefined ? USAGE : `svelte-realtime: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  let root = process.cwd();
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === '--root' && rest[i + 1] === undefined) {
      out.error(`svelte-realtime sync: --root needs a folder, e.g. --root ./my-app`);
      return 2;
    }
    if (flag === '--root') root = path.resolve(rest[++i]!);
    else {
      out.error(`svelte-realtime sync: unknown argument "${flag}"\n${USAGE}`);
      return 2;
    }
  }
  try {
    const result = await syncTypes(root, { warn: (m) => out.warn(`[svelte-realtime] ${m}`), error: (m) => out.error(`[svelte-realtime] ${m}`) });
    const what = `${result.typesFile} (${result.modules} live module${result.modules === 1 ? '' : 's'})`;
    if (result.outcome === 'off') out.log(`svelte-realtime sync: typedImports is false, nothing written`);
    else out.log(`svelte-realtime sync: ${result.outcome === 'written' ? 'wrote' : 'up to date:'} ${what}`);
    return 0;
  } catch (error) {
    out.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}
