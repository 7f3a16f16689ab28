import { describe, expect, it } from 'vitest';
import { placeAnnotations, shortAnnotationLabel } from './annotation-lanes';

// One pixel per second makes the geometry easy to read.
const toPx = (t: number) => t;
const at = (seconds: number) => new Date(seconds * 1000);

describe('placeAnnotations', () => {
  it('keeps only annotations inside the visible range, in time order', () => {
    const placed = placeAnnotations(
      [
        { at: at(500), kind: 'restore', label: 'restore' },
        { at: at(50), kind: 'weight', label: 'too early' },
        { at: at(200), kind: 'drain', label: 'drain' },
      ],
      { min: 100, max: 600 },
      toPx,
    );
    expect(placed.map((a) => [a.t, a.label])).toEqual([
      [200, 'drain'],
      [500, 'restore'],
    ]);
  });

  it('puts labels closer than the gap on separate lanes and reuses a lane once there is room', () => {
    const placed = placeAnnotations(
      [
        { at: at(100), kind: 'drain', label: 'drain rs-1' },
        { at: at(110), kind: 'weight', label: 'weight 3' },
        { at: at(120), kind: 'failover', label: 'failover' },
        { at: at(300), kind: 'restore', label: 'restore' },
      ],
      { min: 0, max: 1000 },
      toPx,
      { minGapPx: 90 },
    );
    expect(placed.map((a) => a.lane)).toEqual([0, 1, 2, 0]);
  });

  it('drops the label (keeps the line) once all lanes are taken', () => {
    const placed = placeAnnotations(
      [0, 1, 2, 3].map((s) => ({ at: at(100 + s), kind: 'weight' as const, label: `w${s}` })),
      { min: 0, max: 1000 },
      toPx,
      { maxLanes: 2 },
    );
    expect(placed.map((a) => a.lane)).toEqual([0, 1, null, null]);
  });

  it('accepts ISO strings and skips unreadable times', () => {
    const placed = placeAnnotations(
      [
        { at: '1970-01-01T00:02:00.000Z', kind: 'maint', label: 'maint' },
        { at: 'not a date', kind: 'maint', label: 'bad' },
      ],
      { min: 0, max: 1000 },
      toPx,
    );
    expect(placed).toEqual([{ t: 120, kind: 'maint', label: 'maint', lane: 0 }]);
  });
});

describe('shortAnnotationLabel', () => {
  it('keeps the kind and the real server the sentence is about', () => {
    expect(shortAnnotationLabel('drain', 'admin: started draining 198.18.0.31:80 in TCP 198.18.0.200:80 (ActiveConn ≤ 0)')).toBe('drain 198.18.0.31:80');
    expect(shortAnnotationLabel('weight', 'otto: weight of [2001:db8::15]:443 1 → 3')).toBe('weight [2001:db8::15]:443');
    expect(shortAnnotationLabel('failover', 'director-b MASTER')).toBe('failover');
    expect(shortAnnotationLabel('apply-error', 'lb-a: ipvsadm failed')).toBe('apply error');
  });
});
