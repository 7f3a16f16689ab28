import type { Prisma } from '@fulcrum/db/client';
import type { Db } from '../db';
import { recordNodeEvent } from './node-events';

/** One drift item as the agent reports it. */
export type DriftItemInput = { kind: string; key: string; change: string; desired: string | null; actual: string | null };

/** Keeps a node's latest drift report; a timeline entry when drift appears, changes size, or clears. */
export async function recordDrift(options: { db: Db; clusterId: string; nodeId: string; generation: number; detectedAt: Date; items: DriftItemInput[] }): Promise<void> {
  const { db, nodeId } = options;
  const previous = await db.nodeDrift.findUnique({ where: { nodeId }, select: { itemCount: true } });
  const data = { generation: options.generation, detectedAt: options.detectedAt, itemCount: options.items.length, items: options.items as unknown as Prisma.InputJsonValue };
  await db.nodeDrift.upsert({ where: { nodeId }, create: { nodeId, ...data }, update: data });
  const before = previous?.itemCount ?? 0;
  if (before === options.items.length) return;
  await recordNodeEvent({
    db,
    clusterId: options.clusterId,
    nodeId,
    kind: 'DRIFT',
    severity: options.items.length > 0 ? 'WARNING' : 'INFO',
    message: options.items.length > 0 ? `${options.items.length} difference(s) between the kernel and generation ${options.generation}` : 'no drift any more',
    // The first few items are enough for the timeline; the full list stays in NodeDrift.
    details: { generation: options.generation, itemCount: options.items.length, items: options.items.slice(0, 20) as unknown as Prisma.InputJsonValue },
    at: options.detectedAt,
  });
}

/** The latest drift report of each node of a cluster that has one. */
export async function listLatestDrift(options: { db: Db; clusterId: string }) {
  return options.db.nodeDrift.findMany({
    where: { node: { clusterId: options.clusterId } },
    select: { nodeId: true, generation: true, detectedAt: true, itemCount: true, items: true },
  });
}
