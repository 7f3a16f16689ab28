/** The counters kept per second for one service or destination. */
export const LIVE_FIELDS = ['activeConn', 'inactConn', 'connsPerSec', 'packetsInPerSec', 'packetsOutPerSec', 'bytesInPerSec', 'bytesOutPerSec'] as const;
/** One of {@link LIVE_FIELDS}. */
export type LiveField = (typeof LIVE_FIELDS)[number];
/** One sample of every live field. */
export type LiveSample = Record<LiveField, number>;
/** A sample with the second it belongs to (ms since epoch, on a whole second). */
export type LivePoint = LiveSample & { at: number };

/**
 * A fixed-size ring of one sample per second: memory is allocated once (≈ 29 KB for 15 min) and
 * never grows, whatever an agent sends. Slot = second mod capacity; each slot remembers its second,
 * so stale slots from a previous lap are skipped instead of shown. Float32 is plenty for charts.
 */
export class RingSeries {
  readonly capacity: number;
  private readonly seconds: Uint32Array;
  private readonly values: Float32Array;
  private newest = -1;

  constructor(capacitySeconds: number) {
    this.capacity = capacitySeconds;
    this.seconds = new Uint32Array(capacitySeconds);
    this.values = new Float32Array(capacitySeconds * LIVE_FIELDS.length);
  }

  /** Stores a sample in its second (a second sample in the same second replaces the first). */
  record(atMs: number, sample: LiveSample): void {
    const second = Math.floor(atMs / 1000);
    // 0 marks an empty slot, and a sample older than the window would overwrite newer data.
    if (second <= 0 || (this.newest >= 0 && second <= this.newest - this.capacity)) return;
    const slot = second % this.capacity;
    this.seconds[slot] = second;
    const base = slot * LIVE_FIELDS.length;
    LIVE_FIELDS.forEach((field, i) => (this.values[base + i] = sample[field]));
    if (second > this.newest) this.newest = second;
  }

  /** The newest sample, or null when nothing was recorded. */
  latest(): LivePoint | null {
    if (this.newest < 0) return null;
    return this.pointAt(this.newest % this.capacity);
  }

  /** Samples from `sinceMs` up to the newest, oldest first, at most the capacity. */
  window(sinceMs = 0): LivePoint[] {
    if (this.newest < 0) return [];
    const from = Math.max(Math.ceil(sinceMs / 1000), this.newest - this.capacity + 1);
    const points: LivePoint[] = [];
    for (let second = from; second <= this.newest; second++) {
      const slot = second % this.capacity;
      if (this.seconds[slot] === second) points.push(this.pointAt(slot));
    }
    return points;
  }

  private pointAt(slot: number): LivePoint {
    const base = slot * LIVE_FIELDS.length;
    const point = { at: (this.seconds[slot] ?? 0) * 1000 } as LivePoint;
    LIVE_FIELDS.forEach((field, i) => (point[field] = this.values[base + i] ?? 0));
    return point;
  }
}
