/** File paths as the plugin shows and compares them: forward slashes on every platform, as Vite's ids. */
import path from 'node:path';

export function posix(file: string): string {
  return file.split(path.sep).join('/');
}

/** `file` relative to `root`, with forward slashes (for messages and module paths). */
export function relativeTo(root: string, file: string): string {
  return posix(path.relative(root, file));
}
