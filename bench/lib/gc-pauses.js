/**
 * Garbage-collection pauses of this process while a measurement runs, from Node's `gc`
 * performance entries: how many there were and their total length, to print beside a tail
 * latency the pauses may have set.
 */
import { PerformanceObserver } from 'node:perf_hooks';

export function watchGcPauses() {
  const seen = { count: 0, ms: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      seen.count++;
      seen.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    /** Stops watching; resolves once entries already recorded have been counted. */
    async stop() {
      await new Promise((resolve) => setImmediate(resolve));
      observer.disconnect();
      return seen;
    }
  };
}
