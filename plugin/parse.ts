/**
 * Parses one live module (`src/live/*.ts`) into its export table: which exports are handlers
 * (`live(...)`, `live.stream(...)`, `guard(...)`), which exports the plugin ignores (with a
 * warning), and which source it refuses (default exports, guards it cannot follow, syntax errors).
 */
import { createHash } from 'node:crypto';
import { parseSync, visitorKeys } from 'oxc-parser';
import type {
  Argument,
  CallExpression,
  Declaration,
  ExportAllDeclaration,
  ExportNamedDeclaration,
  ExportSpecifier,
  Expression,
  ImportDeclaration,
  ModuleExportName,
  OxcError,
  Program,
  VariableDeclaration,
  VariableDeclarator
} from 'oxc-parser';
import { kindDescriptor, kindOfCall, knownCalls, type HandlerKind, type KindDescriptor } from '../runtime/kinds.js';
import {
  LiveParseError,
  type LiveExport,
  type ParseResult,
  type ParseWarning,
  type SourcePosition
} from './export-table.js';

const SERVER_MODULE = 'svelte-realtime/server';

const GUARD_MESSAGE = 'guard() must be exported directly: export const guard = guard(...)';

type VariableKind = VariableDeclaration['kind'];

/** Local names bound to `svelte-realtime/server` and to other imports. */
interface Imports {
  live: Set<string>;
  guard: Set<string>;
  /** `import * as rt from 'svelte-realtime/server'`. */
  namespaces: Set<string>;
  /** Value imports from any module (exporting one again is a re-export). */
  values: Set<string>;
  /** Type-only names: type imports, interfaces, type aliases, `declare`d bindings. */
  types: Set<string>;
}

/** A top-level `const|let|var name = init`. */
interface LocalBinding {
  declarator: VariableDeclarator;
  kind: VariableKind;
}

/** What an initializer turned out to be. */
type Handler =
  | { kind: HandlerKind; call: CallExpression; callee: Expression; topic: boolean }
  | { unknownMember: string };

/** Parse state for one call of parseLiveModule. */
interface Context {
  code: string;
  file: string;
  lines: number[] | undefined;
  imports: Imports;
  locals: Map<string, LocalBinding>;
  exports: LiveExport[];
  warnings: ParseWarning[];
  /** Value export names seen so far (a duplicate is refused). */
  names: Set<string>;
  /** Callee nodes of `guard(...)` calls that initialise an exported const: the only legal guard references. */
  guardCallees: Set<object>;
  /** Source ranges of handler initializers, left out of the module's shared fingerprint. */
  handlerRanges: [start: number, end: number][];
}

/**
 * Parses the source of one live module into its export table.
 * `file` (relative to the project root) is used in messages and picks the language by extension.
 * Throws LiveParseError for a syntax error, a default export or a guard it cannot follow.
 */
export function parseLiveModule(code: string, file: string): ParseResult {
  const parsed = parseSync(file, code, { lang: languageOf(file), sourceType: 'module' });
  const cx: Context = {
    code,
    file,
    lines: undefined,
    imports: { live: new Set(), guard: new Set(), namespaces: new Set(), values: new Set(), types: new Set() },
    locals: new Map(),
    exports: [],
    warnings: [],
    names: new Set(),
    guardCallees: new Set(),
    handlerRanges: []
  };
  if (parsed.errors.length > 0) throw syntaxError(cx, parsed.errors[0]);
  const program = parsed.program;
  collectBindings(cx, program);
  for (const statement of program.body) readExportStatement(cx, statement);
  if (cx.imports.guard.size > 0 || cx.imports.namespaces.size > 0) checkGuardReferences(cx, program);
  return { exports: cx.exports, warnings: cx.warnings, fingerprint: sharedFingerprint(cx) };
}

function digest(text: string): string {
  return createHash('sha1').update(text).digest('base64url').slice(0, 16);
}

/** The module's code with every handler initializer cut out, digested. */
function sharedFingerprint(cx: Context): string {
  let shared = '';
  let at = 0;
  for (const [start, end] of cx.handlerRanges.sort((a, b) => a[0] - b[0])) {
    shared += cx.code.slice(at, start);
    at = end;
  }
  return digest(shared + cx.code.slice(at));
}

function languageOf(file: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  const dot = file.lastIndexOf('.');
  const ext = dot === -1 ? '' : file.slice(dot + 1).toLowerCase();
  if (ext === 'ts' || ext === 'mts' || ext === 'cts') return 'ts';
  if (ext === 'tsx' || ext === 'jsx') return ext;
  return 'js';
}

function syntaxError(cx: Context, error: OxcError): LiveParseError {
  const label = error.labels[0];
  return new LiveParseError(error.message, cx.file, label ? positionOf(cx, label.start) : undefined);
}

// ---------------------------------------------------------------------------------------------
// Positions

/** 1-based line and column (UTF-16 units, like the parser's offsets) of a source offset. */
function positionOf(cx: Context, offset: number): SourcePosition {
  const lines = (cx.lines ??= lineStarts(cx.code));
  let low = 0;
  let high = lines.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lines[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - lines[low] + 1 };
}

/** Offsets where each line starts; `\n`, `\r\n` and `\r` end a line. */
function lineStarts(code: string): number[] {
  const starts = [0];
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c === 10 /* \n */) starts.push(i + 1);
    else if (c === 13 /* \r */ && code.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

// ---------------------------------------------------------------------------------------------
// Top-level bindings

/** Records imports and top-level variable, type and declared bindings. */
function collectBindings(cx: Context, program: Program): void {
  for (const statement of program.body) {
    if (statement.type === 'ImportDeclaration') collectImport(cx.imports, statement);
    else if (statement.type === 'ExportNamedDeclaration' && statement.declaration) {
      collectDeclaration(cx, statement.declaration, statement.exportKind === 'type');
    } else collectDeclaration(cx, statement, false);
  }
}

function collectImport(imports: Imports, statement: ImportDeclaration): void {
  const typeOnly = statement.importKind === 'type';
  const server = statement.source.value === SERVER_MODULE && !typeOnly;
  for (const specifier of statement.specifiers) {
    const local = specifier.local.name;
    if (typeOnly || (specifier.type === 'ImportSpecifier' && specifier.importKind === 'type')) {
      imports.types.add(local);
      continue;
    }
    imports.values.add(local);
    if (!server) continue;
    if (specifier.type === 'ImportNamespaceSpecifier') imports.namespaces.add(local);
    else if (specifier.type === 'ImportSpecifier') {
      const imported = exportName(specifier.imported);
      if (imported === 'live') imports.live.add(local);
      else if (imported === 'guard') imports.guard.add(local);
    }
  }
}

function collectDeclaration(cx: Context, node: Program['body'][number], typeOnly: boolean): void {
  switch (node.type) {
    case 'VariableDeclaration':
      for (const declarator of node.declarations) {
        if (declarator.id.type !== 'Identifier') continue;
        if (typeOnly || node.declare) cx.imports.types.add(declarator.id.name);
        else cx.locals.set(declarator.id.name, { declarator, kind: node.kind });
      }
      break;
    case 'TSInterfaceDeclaration':
    case 'TSTypeAliasDeclaration':
      cx.imports.types.add(node.id.name);
      break;
    case 'FunctionDeclaration':
    case 'TSDeclareFunction':
    case 'ClassDeclaration':
    case 'TSEnumDeclaration':
      if ((typeOnly || node.declare) && node.id) cx.imports.types.add(node.id.name);
      break;
    case 'TSModuleDeclaration':
      if (node.id.type === 'Identifier') cx.imports.types.add(node.id.name);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Exports

/** Adds the entries, warnings or error of one top-level statement. */
function readExportStatement(cx: Context, statement: Program['body'][number]): void {
  switch (statement.type) {
    case 'ExportNamedDeclaration':
      if (statement.exportKind === 'type') return;
      if (statement.source) readReExport(cx, statement);
      else if (statement.declaration) readExportedDeclaration(cx, statement.declaration);
      else for (const specifier of statement.specifiers) readExportSpecifier(cx, specifier);
      return;
    case 'ExportAllDeclaration':
      if (statement.exportKind !== 'type') readExportAll(cx, statement);
      return;
    case 'ExportDefaultDeclaration': {
      const declaration = statement.declaration;
      if (declaration.type === 'TSInterfaceDeclaration') return;
      const example = isExpression(declaration) ? handlerExample(classify(cx, declaration)) : 'live(...)';
      throw defaultExportError(cx, statement.start, example);
    }
    case 'TSExportAssignment':
      throw defaultExportError(cx, statement.start, handlerExample(classify(cx, statement.expression)));
  }
}

function readExportedDeclaration(cx: Context, declaration: Declaration): void {
  switch (declaration.type) {
    case 'VariableDeclaration':
      if (declaration.declare) return;
      for (const declarator of declaration.declarations) {
        if (declarator.id.type === 'Identifier') {
          const id = declarator.id;
          readBinding(cx, id.name, { declarator, kind: declaration.kind }, id.start);
        } else {
          warn(cx, declarator.id.start, 'destructuring exports are not supported in live modules: export each handler by name, e.g. export const name = live(...)');
        }
      }
      return;
    case 'FunctionDeclaration':
    case 'ClassDeclaration':
    case 'TSEnumDeclaration':
      if (declaration.declare || !declaration.id) return;
      notWrapped(cx, declaration.id.name, declaration.id.start);
      return;
    case 'TSImportEqualsDeclaration':
      if (declaration.importKind !== 'type') reExported(cx, declaration.id.name, declaration.id.start);
      return;
    // Type aliases, interfaces, namespaces, declared functions and `declare global` export no value.
  }
}

/** `export { local as exported }` without `from`. */
function readExportSpecifier(cx: Context, specifier: ExportSpecifier): void {
  if (specifier.exportKind === 'type') return;
  const name = exportName(specifier.exported);
  if (name === 'default') throw defaultExportError(cx, specifier.start, 'live(...)');
  const local = exportName(specifier.local);
  if (cx.imports.types.has(local)) return;
  if (specifier.exported.type === 'Literal') {
    claimName(cx, name, specifier.start);
    return warn(cx, specifier.start, `\`${name}\`: string export names are not supported in live modules: export it under an identifier, e.g. export { ${local} as name }`);
  }
  if (cx.imports.values.has(local)) return reExported(cx, name, specifier.start);
  const binding = cx.locals.get(local);
  if (binding) readBinding(cx, name, binding, specifier.start);
  else notWrapped(cx, name, specifier.start);
}

/** `export { x } from './other'`. */
function readReExport(cx: Context, statement: ExportNamedDeclaration): void {
  for (const specifier of statement.specifiers) {
    if (specifier.exportKind === 'type') continue;
    const name = exportName(specifier.exported);
    if (name === 'default') throw defaultExportError(cx, specifier.start, 'live(...)');
    reExported(cx, name, specifier.start);
  }
}

/** `export * from './other'` and `export * as ns from './other'`. */
function readExportAll(cx: Context, statement: ExportAllDeclaration): void {
  if (statement.exported) {
    const name = exportName(statement.exported);
    if (name === 'default') throw defaultExportError(cx, statement.start, 'live(...)');
    return reExported(cx, name, statement.start);
  }
  warn(cx, statement.start, 're-exports are not supported in live modules: define each handler in this file (or import its function and export const name = live(...))');
}

/** An exported top-level binding: a handler entry, or a warning saying why it is not one. */
function readBinding(cx: Context, name: string, binding: LocalBinding, offset: number): void {
  const init = binding.declarator.init;
  const handler = init ? classify(cx, init) : undefined;
  if (!handler) return notWrapped(cx, name, offset);
  claimName(cx, name, offset);
  if ('unknownMember' in handler) {
    return warn(cx, offset, `\`${name}\`: live.${handler.unknownMember} is not a handler kind this version knows; use ${knownHandlers()} (or update svelte-realtime)`);
  }
  if (handler.kind === 'guard') {
    // A guard bound with let/var is left out of guardCallees, so checkGuardReferences refuses it.
    if (binding.kind === 'const') cx.guardCallees.add(handler.callee);
  } else if (binding.kind !== 'const') {
    warn(cx, offset, `\`${name}\` is exported with \`${binding.kind}\`; use const: export const ${name} = ${handlerExample(handler)}`);
  }
  const entry: LiveExport = { name, kind: handler.kind, position: positionOf(cx, offset) };
  if (init) {
    cx.handlerRanges.push([init.start, init.end]);
    entry.fingerprint = digest(cx.code.slice(init.start, init.end));
  }
  if (handler.topic) entry.topic = topicOf(handler.call.arguments[0]);
  cx.exports.push(entry);
}

function notWrapped(cx: Context, name: string, offset: number): void {
  claimName(cx, name, offset);
  warn(cx, offset, `\`${name}\` is exported but not wrapped in live(); it will not be callable from the client. Wrap it: export const ${name} = live(async (ctx, ...) => ...)`);
}

function reExported(cx: Context, name: string, offset: number): void {
  claimName(cx, name, offset);
  warn(cx, offset, `re-exports are not supported in live modules: define \`${name}\` in this file (or import it and export const ${name} = ...)`);
}

/** Refuses a second value export of the same name (the module would not load). */
function claimName(cx: Context, name: string, offset: number): void {
  if (cx.names.has(name)) throw new LiveParseError(`\`${name}\` is exported more than once`, cx.file, positionOf(cx, offset));
  cx.names.add(name);
}

function warn(cx: Context, offset: number, message: string): void {
  cx.warnings.push({ message, position: positionOf(cx, offset) });
}

function defaultExportError(cx: Context, offset: number, example: string): LiveParseError {
  return new LiveParseError(
    `default exports are not supported in live modules: name it, e.g. export const <name> = ${example}`,
    cx.file,
    positionOf(cx, offset)
  );
}

// ---------------------------------------------------------------------------------------------
// Handlers

/**
 * Recognises `live(...)`, `live.<member>(...)` and `guard(...)` under TS wrappers and
 * parentheses; which kind each creates, and whether it takes a topic, is runtime/kinds.ts's word.
 */
function classify(cx: Context, init: Expression): Handler | undefined {
  const call = unwrap(init);
  if (call.type !== 'CallExpression') return undefined;
  const callee = unwrap(call.callee);
  const base = serverImport(cx.imports, callee);
  if (base) return handlerOfKind(kindOfCall(base)!, call, callee);
  if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return undefined;
  if (serverImport(cx.imports, unwrap(callee.object)) !== 'live') return undefined;
  const member = callee.property.name;
  const descriptor = kindOfCall(`live.${member}`);
  return descriptor ? handlerOfKind(descriptor, call, callee) : { unknownMember: member };
}

function handlerOfKind(descriptor: KindDescriptor<HandlerKind>, call: CallExpression, callee: Expression): Handler {
  return { kind: descriptor.kind, call, callee, topic: descriptor.topic };
}

/** `live` / `guard` by local name or as `ns.live` / `ns.guard` of a namespace import. */
function serverImport(imports: Imports, node: Expression): 'live' | 'guard' | undefined {
  if (node.type === 'Identifier') {
    if (imports.live.has(node.name)) return 'live';
    if (imports.guard.has(node.name)) return 'guard';
    return undefined;
  }
  if (node.type !== 'MemberExpression' || node.computed || node.property.type !== 'Identifier') return undefined;
  const object = node.object;
  if (object.type !== 'Identifier' || !imports.namespaces.has(object.name)) return undefined;
  const member = node.property.name;
  return member === 'live' || member === 'guard' ? member : undefined;
}

/** Strips parentheses, `as`, `satisfies`, `<T>x` and `x!`. */
function unwrap(node: Expression): Expression {
  while (
    node.type === 'ParenthesizedExpression' ||
    node.type === 'TSAsExpression' ||
    node.type === 'TSSatisfiesExpression' ||
    node.type === 'TSNonNullExpression' ||
    node.type === 'TSTypeAssertion'
  ) {
    node = node.expression;
  }
  return node;
}

function topicOf(argument: Argument | undefined): LiveExport['topic'] {
  if (!argument || argument.type === 'SpreadElement') return { type: 'static' };
  const topic = unwrap(argument);
  if (topic.type === 'ArrowFunctionExpression' || topic.type === 'FunctionExpression') return { type: 'dynamic' };
  if (topic.type === 'Literal' && typeof topic.value === 'string') return { type: 'static', value: topic.value };
  if (topic.type === 'TemplateLiteral' && topic.expressions.length === 0) {
    const quasi = topic.quasis[0].value;
    return { type: 'static', value: quasi.cooked ?? quasi.raw };
  }
  return { type: 'static' };
}

function knownHandlers(): string {
  const members = knownCalls().filter((call) => call.startsWith('live.'));
  return ['live()', ...members.map((call) => `${call}()`)].join(', ');
}

/** How to write a handler of the kind found: the first of its kind's calls. */
function handlerExample(handler: Handler | undefined): string {
  if (!handler || 'unknownMember' in handler) return 'live(...)';
  return `${kindDescriptor(handler.kind)!.calls[0]}(...)`;
}

function exportName(node: ModuleExportName): string {
  return node.type === 'Literal' ? node.value : node.name;
}

function isExpression(node: { type: string }): node is Expression {
  return !(
    node.type === 'FunctionDeclaration' ||
    node.type === 'ClassDeclaration' ||
    node.type === 'TSDeclareFunction' ||
    node.type === 'TSInterfaceDeclaration'
  );
}

// ---------------------------------------------------------------------------------------------
// Guard references

interface AnyNode {
  type: string;
  start: number;
  [key: string]: unknown;
}

/** Child keys that hold types, labels or names rather than value references. */
const NON_VALUE_KEYS = new Set([
  'typeAnnotation',
  'returnType',
  'typeParameters',
  'typeArguments',
  'superTypeArguments',
  'implements',
  'label',
  'exported',
  'imported'
]);

/** Nodes whose subtree holds no value reference to an import. */
const SKIPPED_NODES = new Set([
  'ImportDeclaration',
  'ExportAllDeclaration',
  'TSInterfaceDeclaration',
  'TSTypeAliasDeclaration',
  'TSTypeAnnotation',
  'TSIndexSignature',
  'TSTypeQuery'
]);

/** visitorKeys without NON_VALUE_KEYS, per node type. */
const WALK_KEYS = new Map(
  Object.entries(visitorKeys).map(([type, keys]) => [type, keys.filter((key) => !NON_VALUE_KEYS.has(key))])
);

/**
 * Refuses any reference to an imported `guard` (or to a namespace import as a whole) other than
 * the callee of a guard(...) call initialising an exported const: anything else could leave the
 * module unguarded without the plugin knowing. Visits the tree in source order with one stack.
 */
function checkGuardReferences(cx: Context, program: Program): void {
  const { guard, namespaces } = cx.imports;
  const stack: AnyNode[] = [program as unknown as AnyNode];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'Identifier') {
      const name = node.name as string;
      if (guard.has(name) && !cx.guardCallees.has(node)) {
        throw new LiveParseError(GUARD_MESSAGE, cx.file, positionOf(cx, node.start));
      }
      if (namespaces.has(name)) {
        const message = `${GUARD_MESSAGE}; use the namespace \`${name}\` only as ${name}.live(...) and ${name}.guard(...)`;
        throw new LiveParseError(message, cx.file, positionOf(cx, node.start));
      }
      if ((node.decorators as unknown[] | undefined)?.length) pushChildren(stack, node);
      continue;
    }
    if (SKIPPED_NODES.has(node.type)) continue;
    if (node.type === 'ExportNamedDeclaration' && node.source) continue;
    if (node.type === 'MemberExpression' && isNamespaceMember(node, namespaces)) {
      const property = node.property as AnyNode;
      if (property.name === 'guard' && !cx.guardCallees.has(node)) {
        throw new LiveParseError(GUARD_MESSAGE, cx.file, positionOf(cx, node.start));
      }
      continue;
    }
    pushChildren(stack, node);
  }
}

/** `ns.member` (not computed) on a namespace import. */
function isNamespaceMember(node: AnyNode, namespaces: Set<string>): boolean {
  if (node.computed) return false;
  const object = node.object as AnyNode;
  return object.type === 'Identifier' && namespaces.has(object.name as string);
}

/** Pushes a node's value children in reverse, so they pop in source order. */
function pushChildren(stack: AnyNode[], node: AnyNode): void {
  const keys = WALK_KEYS.get(node.type);
  if (!keys) return;
  for (let k = keys.length - 1; k >= 0; k--) {
    const key = keys[k];
    if (isNameKey(node, key)) continue;
    const child = node[key];
    if (child === null || typeof child !== 'object') continue;
    if (Array.isArray(child)) {
      for (let i = child.length - 1; i >= 0; i--) if (child[i]) stack.push(child[i] as AnyNode);
    } else {
      stack.push(child as AnyNode);
    }
  }
}

/** Keys holding a name, not a reference: `a.name`, `{ name: v }`, enum members, `A.B` in TS. */
function isNameKey(node: AnyNode, key: string): boolean {
  if (key === 'property' || key === 'key') return !node.computed;
  if (key === 'id') return node.type === 'TSEnumMember' || node.type === 'TSModuleDeclaration';
  return key === 'right' && node.type === 'TSQualifiedName';
}
