/** The median of some numbers (NaN for none). */
export function median(values: number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (nearest rank) of some numbers (NaN for none). */
export function percentile(values: number[], p: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), p);
}

/** {@link percentile} of numbers already sorted in ascending order (a typed array's `sort()`). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
