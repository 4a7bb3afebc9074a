/**
 * The server's error log, with repeats held back: a client that sends the same bad argument
 * shape a thousand times a second must not write a stack a thousand times a second (the log
 * would grow faster than what the client sends).
 *
 * The first error of each kind (where it happened, and its message) is printed in full; the
 * same kind again within a minute is only counted, and the count is printed when that minute
 * ends: `... and 1 234 more like it in the last minute`.
 */

/** How long repeats of one kind are counted instead of printed. */
export const REPEAT_WINDOW_MS = 60_000;
/** Kinds tracked at once; past it the oldest is forgotten (its count printed first). */
const MAX_KINDS = 1000;

interface Kind {
  where: string;
  repeats: number;
  timer: ReturnType<typeof setTimeout>;
}

export class ErrorLog {
  private readonly kinds = new Map<string, Kind>();

  constructor(
    private readonly print: (...line: unknown[]) => void = (...line) => console.error(...line),
    private readonly windowMs = REPEAT_WINDOW_MS
  ) {}

  log(error: unknown, where: string): void {
    const key = `${where}\n${error instanceof Error ? `${error.name}: ${error.message}` : typeof error}`;
    const kind = this.kinds.get(key);
    if (kind) {
      kind.repeats++;
      return;
    }
    if (this.kinds.size >= MAX_KINDS) this.end(this.kinds.keys().next().value!);
    const timer = setTimeout(() => this.end(key), this.windowMs);
    timer.unref?.();
    this.kinds.set(key, { where, repeats: 0, timer });
    this.print(`[svelte-realtime] ${where}:`, error);
  }

  /** Prints what was held back and forgets every kind (the runtime is closing). */
  close(): void {
    for (const key of [...this.kinds.keys()]) this.end(key);
  }

  private end(key: string): void {
    const kind = this.kinds.get(key);
    if (!kind) return;
    this.kinds.delete(key);
    clearTimeout(kind.timer);
    if (kind.repeats > 0) {
      const minutes = this.windowMs === 60_000 ? 'minute' : `${this.windowMs} ms`;
      this.print(`[svelte-realtime] ${kind.where}: ... and ${groupDigits(kind.repeats)} more like it in the last ${minutes}`);
    }
  }
}

/** 1234567 as `1 234 567`: a count read at a glance in a log. */
function groupDigits(count: number): string {
  const digits = String(count);
  let grouped = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) grouped += ' ';
    grouped += digits[i];
  }
  return grouped;
}
