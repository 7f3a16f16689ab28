// Ring buffers, the live store's bounds and the minute downsampling, on literal samples.
import { describe, expect, it } from 'vitest';
import { Downsampler } from './downsample';
import { LiveStatsStore } from './live-stats-store';
import { RingSeries, type LiveSample } from './ring-series';

const sample = (activeConn: number, extra: Partial<LiveSample> = {}): LiveSample => ({
  activeConn, inactConn: activeConn * 2, connsPerSec: 1, packetsInPerSec: 10, packetsOutPerSec: 0, bytesInPerSec: 1000, bytesOutPerSec: 0, ...extra,
});
const T0 = 1_764_000_000_000; // a whole second

describe('RingSeries', () => {
  it('keeps one sample per second, oldest first, and the newest as latest', () => {
    const ring = new RingSeries(5);
    for (let i = 0; i < 3; i++) ring.record(T0 + i * 1000, sample(i));
    expect(ring.window().map((p) => [p.at - T0, p.activeConn, p.inactConn])).toEqual([[0, 0, 0], [1000, 1, 2], [2000, 2, 4]]);
    expect(ring.latest()).toMatchObject({ at: T0 + 2000, activeConn: 2 });
  });

  it('wraps without growing: only the last capacity seconds remain', () => {
    const ring = new RingSeries(5);
    for (let i = 0; i < 12; i++) ring.record(T0 + i * 1000, sample(i));
    expect(ring.window().map((p) => p.activeConn)).toEqual([7, 8, 9, 10, 11]);
    expect(ring.window(T0 + 10_000).map((p) => p.activeConn)).toEqual([10, 11]);
  });

  it('leaves gaps as gaps, never showing a previous lap’s value', () => {
    const ring = new RingSeries(5);
    ring.record(T0, sample(1));
    ring.record(T0 + 7000, sample(7)); // slot of T0+2 s; T0+5 s… never written in this lap
    expect(ring.window().map((p) => [p.at - T0, p.activeConn])).toEqual([[7000, 7]]);
  });

  it('lets a second sample in the same second replace the first, and drops samples older than the window', () => {
    const ring = new RingSeries(5);
    ring.record(T0 + 10_000, sample(1));
    ring.record(T0 + 10_400, sample(2));
    ring.record(T0 + 1000, sample(99));
    expect(ring.window().map((p) => p.activeConn)).toEqual([2]);
  });
});

describe('LiveStatsStore', () => {
  it('keeps latest values with weights per node and series', () => {
    const store = new LiveStatsStore(60, 10);
    store.record('n1', 'TCP 10.0.0.1:80', '10.0.1.1:80', T0, sample(3), 5);
    store.record('n1', 'TCP 10.0.0.1:80', null, T0, sample(4));
    expect(store.latest('n1', 'TCP 10.0.0.1:80', '10.0.1.1:80')).toMatchObject({ activeConn: 3, weight: 5 });
    expect(store.latest('n1', 'TCP 10.0.0.1:80', null)).toMatchObject({ activeConn: 4, weight: null });
    expect(store.latest('n2', 'TCP 10.0.0.1:80', null)).toBeNull();
  });

  it('bounds the number of live series and says so once; latest values still work', () => {
    const warnings: string[] = [];
    const store = new LiveStatsStore(60, 2, (m) => warnings.push(m));
    for (let i = 0; i < 5; i++) store.record('n1', 'svc', `10.0.0.${i}:80`, T0, sample(i));
    expect(store.size).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(store.window('n1', 'svc', '10.0.0.4:80')).toEqual([]);
    expect(store.latest('n1', 'svc', '10.0.0.4:80')).toMatchObject({ activeConn: 4 });
    store.forgetNode('n1');
    expect(store.size).toBe(0);
  });
});

describe('Downsampler', () => {
  it('folds a minute of samples into avg and max, closing the bucket when the next minute starts', () => {
    const d = new Downsampler(60_000);
    const start = Math.floor(T0 / 60_000) * 60_000;
    for (let i = 0; i < 60; i++) d.add('n1', 'svc', 'dst', start + i * 1000, sample(i, { bytesInPerSec: i * 10 }));
    expect(d.drain(start + 59_000)).toEqual([]);
    d.add('n1', 'svc', 'dst', start + 60_000, sample(100));
    const [row, ...rest] = d.drain(start + 60_500);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ nodeId: 'n1', serviceKey: 'svc', destinationKey: 'dst', bucketStart: new Date(start), samples: 60, activeConnAvg: 29.5, activeConnMax: 59, inactConnAvg: 59, inactConnMax: 118, bytesInPerSecAvg: 295, bytesInPerSecMax: 590 });
  });

  it('closes a bucket whose minute passed without a newer sample, and everything with all', () => {
    const d = new Downsampler(60_000);
    const start = Math.floor(T0 / 60_000) * 60_000;
    d.add('n1', 'svc', '', start + 1000, sample(1));
    d.add('n2', 'svc', '', start + 61_000, sample(2));
    expect(d.drain(start + 60_000).map((r) => r.nodeId)).toEqual(['n1']);
    expect(d.drain(start + 62_000, { all: true }).map((r) => r.nodeId)).toEqual(['n2']);
    expect(d.openSeries).toBe(0);
  });

  it('drops a late sample for a bucket it already moved past', () => {
    const d = new Downsampler(60_000);
    const start = Math.floor(T0 / 60_000) * 60_000;
    d.add('n1', 'svc', '', start + 61_000, sample(1));
    d.add('n1', 'svc', '', start + 1000, sample(50));
    expect(d.drain(0, { all: true })).toEqual([expect.objectContaining({ bucketStart: new Date(start + 60_000), samples: 1, activeConnMax: 1 })]);
  });
});
