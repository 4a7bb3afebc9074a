/**
 * Smoke run of the benchmarks: each suite of `npm run bench`, briefly (BENCH_QUICK=1), in a
 * child process as `npm run bench` runs them. Asserts that every suite finishes and returns
 * well-formed rows; the figures of a quick run mean nothing and are not checked.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SUITES = ['rpc', 'fanout', 'plugin', 'client-size', 'memory', 'decode', 'metrics', 'cluster', 'cursors', 'merge'];

interface Row {
  name: string;
  value: number;
  unit: string;
  reference: string;
  referenceValue: number;
  ratio: number;
  target?: string;
  pass?: boolean;
  note?: string;
}

function runQuick(suites: string[]): Promise<{ results: { suite: string; rows: Row[]; error?: string }[] }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', 'bench/run.js', ...suites, '--json'],
      { cwd: root, env: { ...process.env, BENCH_QUICK: '1' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`bench/run.js failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      }
    );
  });
}

describe('npm run bench (quick)', () => {
  it('runs every suite and returns well-formed rows', { timeout: 300_000 }, async () => {
    const { results } = await runQuick(SUITES);
    expect(results.map((r) => r.suite)).toEqual([...SUITES].sort());
    for (const { suite, rows, error } of results) {
      expect(error, `${suite} failed`).toBeUndefined();
      expect(rows.length, `${suite} returned no rows`).toBeGreaterThan(0);
      for (const row of rows) {
        expect(typeof row.name).toBe('string');
        expect(typeof row.unit).toBe('string');
        expect(typeof row.reference).toBe('string');
        expect(Number.isFinite(row.value) && row.value > 0, `${suite} / ${row.name} value`).toBe(true);
        expect(Number.isFinite(row.referenceValue) && row.referenceValue > 0, `${suite} / ${row.name} reference`).toBe(true);
        expect(row.ratio).toBeCloseTo(row.value / row.referenceValue, 9);
        if (row.target !== undefined) {
          expect(row.target).toMatch(/^(<=|>=) \d+(\.\d+)?x$/);
          expect(typeof row.pass).toBe('boolean');
        }
      }
    }
  });

  it('refuses an unknown suite by name', async () => {
    await expect(runQuick(['no-such-suite'])).rejects.toThrow(/no suite named no-such-suite/);
  });
});
