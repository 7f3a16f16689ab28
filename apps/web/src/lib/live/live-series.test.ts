import { describe, expect, it } from 'vitest';
import { alignSeries, appendRow, rowFromFrame, rowsFromHistory, type SeriesRow } from './live-series';

const p = (t: number, activeConn: number, extra: Partial<{ inactConn: number; connsPerSec: number; bytesPerSec: number }> = {}) => ({
  t: new Date(t * 1000),
  activeConn,
  inactConn: extra.inactConn ?? 0,
  connsPerSec: extra.connsPerSec ?? 0,
  bytesPerSec: extra.bytesPerSec ?? 0,
});

describe('rowsFromHistory', () => {
  it('merges servers on shared timestamps, ordered by time, leaving gaps for missing servers', () => {
    const rows = rowsFromHistory([
      { realServerId: 'a', label: 'rs-1', points: [p(20, 2), p(10, 1)] },
      { realServerId: 'b', label: 'rs-2', points: [p(10, 5)] },
    ]);
    expect(rows.map((r) => r.t)).toEqual([10, 20]);
    expect(rows[0]!.byServer).toEqual({ a: expect.objectContaining({ activeConn: 1 }), b: expect.objectContaining({ activeConn: 5 }) });
    expect(rows[1]!.byServer.b).toBeUndefined();
  });

  it('accepts ISO strings and epoch milliseconds as times', () => {
    const rows = rowsFromHistory([{ realServerId: 'a', label: 'x', points: [{ ...p(0, 1), t: '1970-01-01T00:00:30.000Z' }, { ...p(0, 2), t: 45_000 }] }]);
    expect(rows.map((r) => r.t)).toEqual([30, 45]);
  });
});

describe('rowFromFrame', () => {
  it('sums bytes in and out into bytes/s', () => {
    const row = rowFromFrame(new Date(5000), [{ realServerId: 'a', activeConn: 3, inactConn: 4, connsPerSec: 2.5, bytesInPerSec: 100, bytesOutPerSec: 900 }]);
    expect(row).toEqual({ t: 5, byServer: { a: { activeConn: 3, inactConn: 4, connsPerSec: 2.5, bytesPerSec: 1000 } } });
  });
});

describe('appendRow', () => {
  const row = (t: number): SeriesRow => ({ t, byServer: {} });

  it('appends newer rows and drops those that left the window', () => {
    const rows = [row(0), row(50), row(100)];
    expect(appendRow(rows, row(160), 100).map((r) => r.t)).toEqual([100, 160]);
  });

  it('ignores a repeated or older frame so x stays strictly increasing', () => {
    const rows = [row(10), row(20)];
    expect(appendRow(rows, row(20))).toBe(rows);
    expect(appendRow(rows, row(15))).toBe(rows);
  });

  it('starts from an empty window', () => {
    expect(appendRow([], row(1)).map((r) => r.t)).toEqual([1]);
  });
});

describe('alignSeries', () => {
  const rows = rowsFromHistory([
    { realServerId: 'a', label: 'rs-1', points: [p(1, 1, { inactConn: 7 }), p(2, 2), p(3, 3)] },
    { realServerId: 'b', label: 'rs-2', points: [p(1, 10), p(3, 30)] },
  ]);

  it('gives one column per server in the order asked, then the VIP total', () => {
    expect(alignSeries(rows, ['b', 'a'], 'activeConn', true)).toEqual([
      [1, 2, 3],
      [10, null, 30],
      [1, 2, 3],
      [11, 2, 33],
    ]);
  });

  it('plots the chosen metric, and no total unless asked', () => {
    expect(alignSeries(rows, ['a'], 'inactConn', false)).toEqual([[1, 2, 3], [7, 0, 0]]);
  });

  it('makes the total a gap when no server reported', () => {
    const empty: SeriesRow[] = [{ t: 9, byServer: {} }];
    expect(alignSeries(empty, ['a'], 'activeConn', true)).toEqual([[9], [null], [null]]);
  });
});
