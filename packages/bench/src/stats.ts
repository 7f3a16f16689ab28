// The numbers every figure is reduced to: median and p99 over repeated runs, and ratios between
// figures measured in the same lab boot.

/** p-th percentile (0..100), nearest rank: the smallest value with at least p % of the values at or below it. NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Median: the mean of the two middle values for an even count. NaN when empty. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** What a figure shows: median and p99 of its runs (with few runs p99 is the largest). */
export type Summary = { runs: number; median: number; p99: number; min: number; max: number };

/** Median, p99, min, max and the number of runs (non-finite values are not runs). */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    runs: finite.length,
    median: median(finite),
    p99: percentile(finite, 99),
    min: finite.length ? Math.min(...finite) : NaN,
    max: finite.length ? Math.max(...finite) : NaN,
  };
}

/** a / b, NaN when either is missing or b is 0. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}
