import { describe, expect, it } from 'vitest';
import { median, percentile, ratio, summarize } from './stats';

describe('bench statistics', () => {
  it('median of odd and even counts, ignoring non-finite values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, NaN, Infinity, 1])).toBe(3);
    expect(median([])).toBeNaN();
  });

  it('p99 is nearest rank: the largest of up to 100 runs, the 99th of 100', () => {
    expect(percentile([1, 2, 3, 4, 5], 99)).toBe(5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBeNaN();
  });

  it('summarize reports runs, median, p99, min and max', () => {
    expect(summarize([10, 30, 20, NaN])).toEqual({ runs: 3, median: 20, p99: 30, min: 10, max: 30 });
    expect(summarize([]).runs).toBe(0);
  });

  it('ratio is NaN when it cannot be computed', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(NaN, 2)).toBeNaN();
  });
});
