import { describe, expect, it } from 'vitest';
import { configuredSharesFromWeights, describeSplit, toWholePercents } from './split-shares';

describe('toWholePercents', () => {
  it('sums to exactly 100 using the largest remainders', () => {
    expect(toWholePercents([1, 1, 1])).toEqual([34, 33, 33]);
    expect(toWholePercents([0.25, 0.75])).toEqual([25, 75]);
    expect(toWholePercents([0.333, 0.667])).toEqual([33, 67]);
  });

  it('normalises input that does not sum to 1 and keeps all-zero at zero', () => {
    expect(toWholePercents([2, 6])).toEqual([25, 75]);
    expect(toWholePercents([0, 0])).toEqual([0, 0]);
  });
});

describe('configuredSharesFromWeights', () => {
  it('divides by the total weight; weight 0 gets no share', () => {
    expect(configuredSharesFromWeights([1, 3, 0])).toEqual([0.25, 0.75, 0]);
    expect(configuredSharesFromWeights([0, 0])).toEqual([0, 0]);
  });
});

describe('describeSplit', () => {
  it('compares observed with configured in whole percentage points', () => {
    const rows = describeSplit([
      { realServerId: 'a', label: 'rs-1', observedShare: 0.27, configuredShare: 0.25 },
      { realServerId: 'b', label: 'rs-2', observedShare: 0.73, configuredShare: 0.75 },
    ]);
    expect(rows.map((r) => [r.observedPercent, r.configuredPercent, r.deviation])).toEqual([
      [27, 25, 2],
      [73, 75, -2],
    ]);
  });

  it('has no observation for anyone when no new connections were seen', () => {
    const rows = describeSplit([
      { realServerId: 'a', label: 'rs-1', observedShare: null, configuredShare: 0.5 },
      { realServerId: 'b', label: 'rs-2', observedShare: 0, configuredShare: 0.5 },
    ]);
    expect(rows.map((r) => [r.observedPercent, r.deviation])).toEqual([
      [null, null],
      [null, null],
    ]);
  });
});
