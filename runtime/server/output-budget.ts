/**
 * The budget for bytes waiting to be sent to all clients together. Each connection's own
 * budget (`limits.maxBufferedBytes`, checked on every write in connection.ts) bounds one slow
 * client; this bounds many of them at once, each under its own budget. Summing every
 * connection's backlog on every write would cost a publish to a thousand clients a million
 * reads: the sum is taken on a timer, and at once whenever an eighth of the budget has been
 * written since the last sum (so a burst cannot outrun the timer by more than that).
 */
import { CLOSE_SLOW_CONSUMER, type Connection } from './connection.js';

/** How often the total is summed. */
export const OUTPUT_CHECK_MS = 100;

/** Sums the backlog on a timer and after every eighth of the budget written (see above). */
export class OutputBudget {
  private written = 0;

  constructor(
    private readonly connections: () => Iterable<Connection>,
    private readonly maxTotal: () => number
  ) {}

  wrote(bytes: number): void {
    this.written += bytes;
    if (this.written > this.maxTotal() / 8) this.check();
  }

  check(): void {
    this.written = 0;
    enforceOutputBudget(this.connections(), this.maxTotal());
  }
}

/**
 * When the connections' backlogs add up to more than `maxTotal` bytes, cuts the connections
 * furthest behind until the rest fit. Returns how many were cut.
 */
export function enforceOutputBudget(connections: Iterable<Connection>, maxTotal: number): number {
  let total = 0;
  const behind: Connection[] = [];
  for (const conn of connections) {
    const buffered = conn.buffered;
    if (buffered === 0) continue;
    total += buffered;
    behind.push(conn);
  }
  if (total <= maxTotal) return 0;
  behind.sort((a, b) => b.buffered - a.buffered);
  let cut = 0;
  for (const conn of behind) {
    if (total <= maxTotal) break;
    total -= conn.buffered;
    conn.cut(CLOSE_SLOW_CONSUMER);
    cut++;
  }
  return cut;
}
