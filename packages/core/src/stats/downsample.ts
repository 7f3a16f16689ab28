import type { LiveSample } from './ring-series';

/** Resolution of the stored history: one row per minute per series keeps 48 h of 100 destinations on two directors under 0.6 M rows. */
export const HISTORY_BUCKET_MS = 60_000;

/** One downsampled row, as StatSample stores it. */
export type BucketRow = {
  nodeId: string;
  serviceKey: string;
  /** "" for the service totals. */
  destinationKey: string;
  bucketStart: Date;
  samples: number;
  activeConnAvg: number;
  activeConnMax: number;
  inactConnAvg: number;
  inactConnMax: number;
  connsPerSecAvg: number;
  connsPerSecMax: number;
  packetsInPerSecAvg: number;
  packetsOutPerSecAvg: number;
  bytesInPerSecAvg: number;
  bytesOutPerSecAvg: number;
  bytesInPerSecMax: number;
  bytesOutPerSecMax: number;
};

type Open = { nodeId: string; serviceKey: string; destinationKey: string; start: number; n: number; sum: LiveSample; max: LiveSample };

const zero = (): LiveSample => ({ activeConn: 0, inactConn: 0, connsPerSec: 0, packetsInPerSec: 0, packetsOutPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0 });

function close(open: Open): BucketRow {
  const avg = (field: keyof LiveSample) => open.sum[field] / open.n;
  return {
    nodeId: open.nodeId,
    serviceKey: open.serviceKey,
    destinationKey: open.destinationKey,
    bucketStart: new Date(open.start),
    samples: open.n,
    activeConnAvg: avg('activeConn'),
    activeConnMax: Math.round(open.max.activeConn),
    inactConnAvg: avg('inactConn'),
    inactConnMax: Math.round(open.max.inactConn),
    connsPerSecAvg: avg('connsPerSec'),
    connsPerSecMax: open.max.connsPerSec,
    packetsInPerSecAvg: avg('packetsInPerSec'),
    packetsOutPerSecAvg: avg('packetsOutPerSec'),
    bytesInPerSecAvg: avg('bytesInPerSec'),
    bytesOutPerSecAvg: avg('bytesOutPerSec'),
    bytesInPerSecMax: open.max.bytesInPerSec,
    bytesOutPerSecMax: open.max.bytesOutPerSec,
  };
}

/**
 * Folds per-second samples into fixed buckets (avg and max per field). A bucket closes when a sample
 * of a later bucket arrives for the same series, or when `drain` sees its end has passed (the node
 * stopped reporting); closed buckets wait in a queue until the caller writes them.
 */
export class Downsampler {
  private readonly open = new Map<string, Open>();
  private closed: BucketRow[] = [];

  constructor(private readonly bucketMs: number = HISTORY_BUCKET_MS) {}

  /** Adds one sample of one series. */
  add(nodeId: string, serviceKey: string, destinationKey: string, atMs: number, sample: LiveSample): void {
    const key = `${nodeId}\u0000${serviceKey}\u0000${destinationKey}`;
    const start = Math.floor(atMs / this.bucketMs) * this.bucketMs;
    let bucket = this.open.get(key);
    if (bucket && bucket.start !== start) {
      if (start < bucket.start) return; // a late sample for a bucket already closed: dropped rather than rewriting history
      this.closed.push(close(bucket));
      bucket = undefined;
    }
    if (!bucket) {
      bucket = { nodeId, serviceKey, destinationKey, start, n: 0, sum: zero(), max: zero() };
      this.open.set(key, bucket);
    }
    bucket.n++;
    for (const field of Object.keys(sample) as Array<keyof LiveSample>) {
      bucket.sum[field] += sample[field];
      if (sample[field] > bucket.max[field]) bucket.max[field] = sample[field];
    }
  }

  /** Takes every closed bucket, closing open ones that ended before `nowMs` (or all open ones with `all`). */
  drain(nowMs: number, options: { all?: boolean } = {}): BucketRow[] {
    for (const [key, bucket] of this.open) {
      if (options.all || bucket.start + this.bucketMs <= nowMs) {
        this.closed.push(close(bucket));
        this.open.delete(key);
      }
    }
    const rows = this.closed;
    this.closed = [];
    return rows;
  }

  /** Number of series with an open bucket (bounded by the live store's series limit). */
  get openSeries(): number {
    return this.open.size;
  }
}
