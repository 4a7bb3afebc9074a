/**
 * `npm run bench`: runs every suite in bench/suites/ one after another, prints one table and
 * writes bench/RESULTS.md with the machine the figures come from.
 *
 *   node --expose-gc bench/run.js [suite...] [--json]
 *
 * BENCH_QUICK=1 runs each suite briefly (a smoke run: the figures mean nothing) and leaves
 * RESULTS.md alone, as does a run of only some suites. `--json` prints the rows as JSON instead
 * of the table. A suite is `export default async function (ctx: { quick }) => Row[]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
const json = process.argv.includes('--json');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const log = (line) => (json ? process.stderr : process.stdout).write(line + '\n');

const suitesDir = path.join(here, 'suites');
const available = fs.readdirSync(suitesDir).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).sort();
const unknown = only.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`bench: no suite named ${unknown.join(', ')}; suites are ${available.join(', ')}`);
  process.exit(2);
}
const selected = only.length > 0 ? available.filter((name) => only.includes(name)) : available;

if (typeof globalThis.gc !== 'function') log('bench: run with node --expose-gc (npm run bench does) for steady memory figures');

const machine = {
  cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
  cores: os.availableParallelism?.() ?? os.cpus().length,
  memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z')
};

const results = [];
let failed = false;
for (const name of selected) {
  log(`bench: ${name}...`);
  const started = performance.now();
  try {
    const { default: suite } = await import(pathToFileURL(path.join(suitesDir, `${name}.js`)).href);
    const rows = await suite({ quick });
    results.push({ suite: name, rows, seconds: (performance.now() - started) / 1000 });
  } catch (error) {
    failed = true;
    log(`bench: ${name} failed: ${error instanceof Error ? error.stack : String(error)}`);
    results.push({ suite: name, rows: [], error: String(error instanceof Error ? error.message : error) });
  }
}

/** Three significant digits, thousands separated: 1 234, 12.3, 0.0123. */
function formatNumber(value) {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

const passText = (r) => (r.pass === undefined ? '' : r.pass ? 'yes' : 'NO');

function tableRows() {
  const header = ['suite', 'row', 'value', 'reference value', 'ratio', 'target', 'pass'];
  const lines = [];
  for (const { suite, rows, error } of results) {
    if (error) lines.push([suite, `failed: ${error}`, '', '', '', '', 'NO']);
    for (const r of rows) {
      lines.push([
        suite,
        r.name,
        `${formatNumber(r.value)} ${r.unit}`,
        `${formatNumber(r.referenceValue)} ${r.unit} (${r.reference})`,
        `${r.ratio.toFixed(3)}x`,
        r.target ?? '',
        passText(r)
      ]);
    }
  }
  return { header, lines };
}

function printTable() {
  const { header, lines } = tableRows();
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  log('');
  log(format(header));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) log(format(line));
  const notes = results.flatMap((s) => s.rows.filter((r) => r.note).map((r) => `  ${s.suite} / ${r.name}: ${r.note}`));
  if (notes.length > 0) log(['', 'notes:', ...notes].join('\n'));
}

const NOTES_MARKER = '<!-- Everything below this line is kept when bench/run.js rewrites the file. -->';

function writeResults() {
  const file = path.join(here, 'RESULTS.md');
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const kept = previous.includes(NOTES_MARKER) ? previous.slice(previous.indexOf(NOTES_MARKER) + NOTES_MARKER.length) : '\n';
  const { header, lines } = tableRows();
  const md = (cells) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  const notes = results.flatMap((s) => s.rows.filter((r) => r.note).map((r) => `- **${s.suite} / ${r.name}**: ${r.note}`));
  const out = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.js). Each ratio is our figure over its reference, both',
    'measured in the same run on the same machine; absolute numbers on a shared machine are noise.',
    '',
    `- CPU: ${machine.cpu}, ${machine.cores} cores`,
    `- Memory: ${machine.memory}`,
    `- Node: ${machine.node} (${machine.platform})`,
    `- Date: ${machine.date}`,
    `- Suite time: ${results.map((r) => `${r.suite} ${r.seconds?.toFixed(0) ?? '-'} s`).join(', ')}`,
    '',
    md(header),
    md(header.map(() => '---')),
    ...lines.map(md),
    '',
    ...(notes.length > 0 ? ['Notes from the suites:', '', ...notes, ''] : []),
    NOTES_MARKER + kept.replace(/^\n*/, '\n')
  ];
  fs.writeFileSync(file, out.join('\n'));
  log(`\nbench: wrote ${path.relative(process.cwd(), file)}`);
}

if (json) process.stdout.write(JSON.stringify({ machine, quick, results }) + '\n');
else printTable();
if (!quick && only.length === 0) writeResults();
process.exit(failed ? 1 : 0);
