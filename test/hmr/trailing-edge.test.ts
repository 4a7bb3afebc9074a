/**
 * The replay of a save Vite's watcher dropped: it must catch a later write even when the file
 * system's clock gave both writes one mtime, and must not replay a file that is still what its
 * last save read (a file that does not parse would otherwise reload, and report, forever).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FSWatcher } from 'vite';
import { trailingEdge } from '../../plugin/hot-update.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function setup(content: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailing-edge-'));
  dirs.push(dir);
  const file = path.join(dir, 'live.ts');
  fs.writeFileSync(file, content);
  const watcher = new EventEmitter();
  const replayed: string[] = [];
  watcher.on('change', (changed: string) => replayed.push(changed));
  return { file, watcher: watcher as unknown as FSWatcher, replayed };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 250));

describe('trailingEdge', () => {
  it('replays a later write that kept the same mtime', async () => {
    const { file, watcher, replayed } = setup('export const v = 48;');
    const lastRead = new Map([[file, 'export const v = 48;']]);
    const recheck = trailingEdge(watcher, (f) => lastRead.get(f));
    const { mtime } = fs.statSync(file);
    recheck(file);
    fs.writeFileSync(file, 'export const v = 50;');
    fs.utimesSync(file, mtime, mtime);
    await settle();
    expect(replayed).toEqual([file]);
  });

  it('does not replay a file that is still what its last save read, parsed or not', async () => {
    const { file, watcher, replayed } = setup('export const = broken');
    const recheck = trailingEdge(watcher, () => 'export const = broken');
    recheck(file);
    await settle();
    expect(replayed).toEqual([]);
  });
});
