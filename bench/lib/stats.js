/** Small statistics helpers shared by the suites. */

/** The q-quantile (0..1) of numbers, by nearest rank. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => quantile(values, 0.5);

/** Milliseconds since an arbitrary point, from the monotonic clock every process on the machine shares. */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * A row of the results table (contract: name, value, unit, reference, referenceValue, ratio,
 * target?, pass?, note?). `target` is `<= x` or `>= x`; pass is computed from it.
 */
export function row({ name, value, unit, reference, referenceValue, target, note }) {
  const ratio = value / referenceValue;
  const result = { name, value, unit, reference, referenceValue, ratio };
  if (target) {
    const [op, limit] = target.split(' ');
    result.target = `${op} ${limit}x`;
    result.pass = op === '<=' ? ratio <= Number(limit) : ratio >= Number(limit);
  }
  if (note) result.note = note;
  return result;
}

/** Runs `fn` until it returns true or `timeoutMs` passes (for setup waits, never for assertions on speed). */
export async function waitFor(fn, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
