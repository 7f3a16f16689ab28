import type { Db } from '../db';
import type { BucketRow } from './downsample';

/** Writes downsampled rows; a row already stored for the same bucket is kept (a restart must not fail the batch). */
export async function writeStatSamples(options: { db: Db; rows: BucketRow[] }): Promise<number> {
  if (options.rows.length === 0) return 0;
  const result = await options.db.statSample.createMany({ data: options.rows, skipDuplicates: true });
  return result.count;
}

/** Deletes rows older than the retention; returns how many went. */
export async function pruneStatSamples(options: { db: Db; olderThan: Date }): Promise<number> {
  const result = await options.db.statSample.deleteMany({ where: { bucketStart: { lt: options.olderThan } } });
  return result.count;
}

/** The stored history of one series on one node since a time, oldest first. */
export async function listStatHistory(options: { db: Db; nodeId: string; serviceKey: string; destinationKey: string | null; since: Date }) {
  return options.db.statSample.findMany({
    where: { nodeId: options.nodeId, serviceKey: options.serviceKey, destinationKey: options.destinationKey ?? '', bucketStart: { gte: options.since } },
    orderBy: { bucketStart: 'asc' },
    select: {
      bucketStart: true,
      samples: true,
      activeConnAvg: true,
      activeConnMax: true,
      inactConnAvg: true,
      inactConnMax: true,
      connsPerSecAvg: true,
      connsPerSecMax: true,
      bytesInPerSecAvg: true,
      bytesOutPerSecAvg: true,
    },
  });
}
