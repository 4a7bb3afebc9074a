/**
 * The package's import graph, read with oxc from the source of plugin/, runtime/ and devtools-ui/
 * (the scripts of `.svelte` files included). Used by the architecture test to hold two rules:
 * no value-import cycles, and imports only in the allowed directions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { parse as parseSvelte } from 'svelte/compiler';

export interface ImportEdge {
  /** Importing file, relative to the root, posix separators. */
  from: string;
  /** Imported file (relative to the root) for a relative specifier, else the bare specifier. */
  to: string;
  /**
   * `type`: erased at compile time (`import type`, `export type`).
   * `value`: evaluated when the importer loads (includes `import { type A }`, which
   *   `verbatimModuleSyntax` keeps as `import {} from`).
   * `dynamic`: `import()`, evaluated later: not part of a load-time cycle.
   */
  kind: 'type' | 'value' | 'dynamic';
  line: number;
}

const SOURCE = /\.(ts|svelte)$/;

function walk(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') walk(full, out);
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(full);
    }
  }
}

/** The TypeScript of a file: `.svelte` files give their `<script>` blocks, offset-preserving. */
function scriptOf(file: string, text: string): string {
  if (!file.endsWith('.svelte')) return text;
  const ast = parseSvelte(text, { modern: true });
  // Blank everything but the scripts, keeping offsets (and so line numbers) as in the file.
  let code = text.replace(/[^\n]/g, ' ');
  for (const script of [ast.module, ast.instance]) {
    if (!script) continue;
    const { start, end } = script.content as unknown as { start: number; end: number };
    code = code.slice(0, start) + text.slice(start, end) + code.slice(end);
  }
  return code;
}

function resolveSpecifier(root: string, fromFile: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')];
  const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? base;
  return path.relative(root, found).split(path.sep).join('/');
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

interface Node {
  type: string;
  start: number;
  importKind?: string;
  exportKind?: string;
  source?: { value: string } | null;
  [key: string]: unknown;
}

/** Every import of every source file under `dirs` (relative to `root`). */
export function readImportGraph(root: string, dirs: readonly string[]): ImportEdge[] {
  const files: string[] = [];
  for (const dir of dirs) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir), files);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const code = scriptOf(file, text);
    const result = parseSync(file.replace(/\.svelte$/, '.svelte.ts'), code, { lang: 'ts' });
    if (result.errors.length > 0) throw new Error(`${file}: ${result.errors[0]!.message}`);
    const from = path.relative(root, file).split(path.sep).join('/');
    const add = (specifier: string, kind: ImportEdge['kind'], offset: number) =>
      edges.push({ from, to: resolveSpecifier(root, file, specifier), kind, line: lineAt(code, offset) });
    for (const statement of result.program.body as unknown as Node[]) {
      if (statement.type === 'ImportDeclaration' && statement.source) {
        add(statement.source.value, statement.importKind === 'type' ? 'type' : 'value', statement.start);
      } else if ((statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportAllDeclaration') && statement.source) {
        add(statement.source.value, statement.exportKind === 'type' ? 'type' : 'value', statement.start);
      }
    }
    for (const dynamic of result.module.dynamicImports) {
      const literal = code.slice(dynamic.moduleRequest.start, dynamic.moduleRequest.end).trim();
      const quoted = /^(['"`])(.*)\1$/s.exec(literal);
      if (quoted && !quoted[2]!.includes('${')) add(quoted[2]!, 'dynamic', dynamic.start);
    }
  }
  return edges;
}

/**
 * Value-import cycles: each is a strongly connected component of two or more files, sorted. A
 * file importing itself (a recursive Svelte component) is no cycle: its bindings exist by then.
 */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (e.kind !== 'value') continue;
    if (!next.has(e.from)) next.set(e.from, []);
    next.get(e.from)!.push(e.to);
  }
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = next.get(frame.node) ?? [];
      if (frame.i < targets.length) {
        const target = targets[frame.i++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, i: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1) cycles.push(component.sort());
      }
    }
  }
  return cycles;
}

export interface DirectionRule {
  /** Files the rule applies to (a path prefix). */
  from: string;
  /** What they must not import (a path prefix, or a bare specifier prefix). */
  to: string;
  /** `value`: type-only imports are allowed; `any`: nothing at all. */
  forbid: 'value' | 'any';
  why: string;
}

/** Edges that break a rule, as lines a developer can act on. */
export function directionViolations(edges: readonly ImportEdge[], rules: readonly DirectionRule[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    for (const rule of rules) {
      if (!e.from.startsWith(rule.from) || !e.to.startsWith(rule.to)) continue;
      if (rule.forbid === 'value' && e.kind === 'type') continue;
      out.push(`${e.from}:${e.line} imports ${e.kind === 'type' ? 'types from ' : ''}${e.to}: ${rule.why}`);
    }
  }
  return out;
}
