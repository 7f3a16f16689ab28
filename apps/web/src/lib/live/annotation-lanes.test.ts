import { describe, expect, it } from 'vitest';
import { isDrawnOnGraph, placeAnnotations, shortAnnotationLabel } from './annotation-lanes';

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

  it('puts overlapping labels on separate lanes and reuses a lane once its label has ended', () => {
    const placed = placeAnnotations(
      [
        { at: at(100), kind: 'drain', label: 'drain rs-1' },
        { at: at(110), kind: 'weight', label: 'weight 3' },
        { at: at(120), kind: 'failover', label: 'failover' },
        { at: at(300), kind: 'restore', label: 'restore' },
      ],
      { min: 0, max: 1000 },
      toPx,
      { labelWidth: () => 90 },
    );
    expect(placed.map((a) => a.lane)).toEqual([0, 1, 2, 0]);
  });

  it('measures each label: a short one leaves room sooner than a long one', () => {
    const placed = placeAnnotations(
      [
        { at: at(100), kind: 'weight', label: 'w' },
        { at: at(130), kind: 'drain', label: 'a long label here' },
      ],
      { min: 0, max: 1000 },
      toPx,
      { labelWidth: (a) => a.label.length * 6 },
    );
    expect(placed.map((a) => a.lane)).toEqual([0, 0]);
  });

  it('flips labels that would leave the plot to the left of their line, and lanes them by that extent', () => {
    const placed = placeAnnotations(
      [
        { at: at(880), kind: 'drain', label: 'drain' },
        { at: at(990), kind: 'restore', label: 'restore' },
      ],
      { min: 0, max: 1000 },
      toPx,
      { labelWidth: () => 100, rightEdgePx: 1000 },
    );
    expect(placed.map((a) => [a.isFlipped, a.lane])).toEqual([
      [false, 0],
      [true, 1],
    ]);
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
    expect(placed).toEqual([{ t: 120, kind: 'maint', label: 'maint', lane: 0, isFlipped: false }]);
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

describe('isDrawnOnGraph', () => {
  it('draws a failover where a director became MASTER, and every other kind', () => {
    expect(isDrawnOnGraph({ kind: 'failover', label: 'director-b lab-pair: BACKUP → MASTER' })).toBe(true);
    expect(isDrawnOnGraph({ kind: 'failover', label: 'director-a lab-pair: MASTER → STOP' })).toBe(false);
    expect(isDrawnOnGraph({ kind: 'failover', label: 'director-b lab-pair: unknown → BACKUP' })).toBe(false);
    expect(isDrawnOnGraph({ kind: 'drain', label: 'anything' })).toBe(true);
  });
});
