/**
 * The export table: what the plugin learns about one live module by parsing it.
 * Stubs, the server registry and the generated types are all produced from it.
 */
import type { HandlerKind } from '../runtime/kinds.js';

export interface SourcePosition {
  line: number; // 1-based
  column: number; // 1-based
}

export interface LiveExport {
  /** Exported name as the client sees it (`export { a as b }` gives `b`). */
  name: string;
  /** The handler's kind, as runtime/kinds.ts names it (the tag the runtime checks at registration). */
  kind: HandlerKind;
  /**
   * For streams: `static` when the topic is a value, `dynamic` when the topic is a function
   * of the call's arguments (the client export is then a function returning a store).
   */
  topic?: { type: 'static'; value?: string } | { type: 'dynamic' };
  position: SourcePosition;
  /** Digest of the export's initializer source: a reload compares it to say which exports changed. */
  fingerprint?: string;
}

export interface ParseWarning {
  message: string;
  position: SourcePosition;
}

export interface ParseResult {
  exports: LiveExport[];
  /** Shapes the plugin recognised but does not support; printed with file:line. */
  warnings: ParseWarning[];
  /** Digest of the module's code outside its handler initializers (imports, helpers, constants). */
  fingerprint: string;
}

/** Thrown for source the plugin refuses (default export, guard it cannot understand, syntax error). */
export class LiveParseError extends Error {
  constructor(
    /** What is wrong, without the location the full message starts with. */
    readonly reason: string,
    readonly file: string,
    readonly position?: SourcePosition
  ) {
    super(position ? `${file}:${position.line}:${position.column} ${reason}` : `${file}: ${reason}`);
    this.name = 'LiveParseError';
  }
}
