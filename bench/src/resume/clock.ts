/**
 * Milliseconds on a clock every process of the storm shares (the wall clock, read through the
 * monotonic one): the proxy stamps the cut and the clients and the server stamp their steps on
 * it, so a step in one process can be set against the cut in another. Processes started on the
 * same machine agree on it to well under a millisecond.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** One step of one resume, stamped by whichever process saw it (see {@link now}). */
export type Stamps = Record<string, number>;

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
