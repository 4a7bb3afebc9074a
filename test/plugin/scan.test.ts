import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveScanError, modulePathOf, scanLiveDir } from '../../plugin/scan.js';

let root: string;
function project(files: Record<string, string>): string {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'live-scan-'));
  for (const [file, code] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), code);
  }
  return path.join(root, 'src/live');
}
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('scanning src/live', () => {
  it('maps nested folders to nested paths and skips what is not a live module', () => {
    const dir = project({
      'src/live/chat.ts': '',
      'src/live/admin/users.ts': '',
      'src/live/$types.d.ts': '',
      'src/live/chat.test.ts': '',
      'src/live/_shared.ts': '',
      'src/live/notes.md': ''
    });
    expect(scanLiveDir(dir, root).map((f) => f.path)).toEqual(['admin/users', 'chat']);
  });

  it('refuses two files that map to the same path, naming both', () => {
    const dir = project({ 'src/live/chat.ts': '', 'src/live/chat.js': '' });
    expect(() => scanLiveDir(dir, root)).toThrow(LiveScanError);
    expect(() => scanLiveDir(dir, root)).toThrow(/src\/live\/chat\.(js|ts) and src\/live\/chat\.(js|ts) both map to \$live\/chat/);
  });

  it('treats a missing folder as no modules', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'live-scan-'));
    expect(scanLiveDir(path.join(root, 'src/live'), root)).toEqual([]);
  });

  it('gives no module path to files outside the folder', () => {
    expect(modulePathOf('/app/src/live', '/app/src/lib/db.ts')).toBeUndefined();
    expect(modulePathOf('/app/src/live', '/app/src/live/a/b.ts')).toBe('a/b');
  });
});
