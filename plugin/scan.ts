/**
 * Finds the live modules under `dir` and the `$live/...` path each one maps to:
 * `src/live/admin/users.ts` → `admin/users`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { posix, relativeTo } from './paths.js';

export const LIVE_EXTENSIONS = ['.ts', '.js', '.mts', '.mjs'] as const;

export interface LiveFile {
  /** Absolute path, with forward slashes. */
  file: string;
  /** Module path: what follows `$live/`. */
  path: string;
}

export class LiveScanError extends Error {
  constructor(message: string) {
    super(`svelte-realtime: ${message}`);
    this.name = 'LiveScanError';
  }
}

/** True for a file the scanner treats as a live module (not a declaration, test or hidden file). */
export function isLiveFile(file: string): boolean {
  const base = path.basename(file);
  if (base.startsWith('.') || base.startsWith('_') || base.endsWith('.d.ts')) return false;
  if (/\.(test|spec)\.[mc]?[jt]s$/.test(base)) return false;
  return LIVE_EXTENSIONS.some((ext) => base.endsWith(ext));
}

/** The module path of a file under `dir`, or undefined when the file is not a live module. */
export function modulePathOf(dir: string, file: string): string | undefined {
  const relative = relativeTo(dir, file);
  if (relative.startsWith('../') || path.isAbsolute(relative) || !isLiveFile(file)) return undefined;
  return relative.slice(0, relative.lastIndexOf('.'));
}

/**
 * Every live module under `dir`, sorted by path. Two files mapping to one path
 * (`chat.ts` and `chat.js`) is an error naming both.
 */
export function scanLiveDir(dir: string, root: string): LiveFile[] {
  if (!fs.existsSync(dir)) return [];
  const byPath = new Map<string, string>();
  const walk = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(full);
        continue;
      }
      const modulePath = modulePathOf(dir, full);
      if (modulePath === undefined) continue;
      const other = byPath.get(modulePath);
      if (other) {
        throw new LiveScanError(
          `${relativeTo(root, other)} and ${relativeTo(root, full)} both map to $live/${modulePath}; rename or remove one of them`
        );
      }
      byPath.set(modulePath, full);
    }
  };
  walk(dir);
  return [...byPath]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([modulePath, file]) => ({ path: modulePath, file: posix(file) }));
}
