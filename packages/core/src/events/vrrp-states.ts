import type { Db } from '../db';
import { recordNodeEvent } from './node-events';

/** A VRRP state as keepalived reports it. */
export type VrrpStateName = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'UNKNOWN';

/** Stores a director's VRRP transition: the latest state per instance, and a timeline entry when it changed. */
export async function recordVrrpTransition(options: { db: Db; clusterId: string; nodeId: string; instance: string; state: VrrpStateName; priority: number | null; at: Date }): Promise<void> {
  const { db, nodeId, instance } = options;
  const previous = await db.nodeVrrpState.findUnique({ where: { nodeId_instance: { nodeId, instance } }, select: { state: true } });
  await db.nodeVrrpState.upsert({
    where: { nodeId_instance: { nodeId, instance } },
    create: { nodeId, instance, state: options.state, priority: options.priority, changedAt: options.at },
    update: { state: options.state, priority: options.priority, changedAt: options.at },
  });
  if (previous?.state === options.state) return;
  await recordNodeEvent({
    db,
    clusterId: options.clusterId,
    nodeId,
    kind: 'VRRP',
    severity: options.state === 'FAULT' ? 'ERROR' : 'INFO',
    message: `${instance}: ${previous?.state ?? 'unknown'} → ${options.state}`,
    details: { instance, from: previous?.state ?? null, to: options.state, priority: options.priority },
    at: options.at,
  });
}

/** The latest VRRP state of every instance on every director of a cluster. */
export async function listVrrpStates(options: { db: Db; clusterId: string }) {
  return options.db.nodeVrrpState.findMany({
    where: { node: { clusterId: options.clusterId } },
    orderBy: [{ nodeId: 'asc' }, { instance: 'asc' }],
    select: { nodeId: true, instance: true, state: true, priority: true, changedAt: true },
  });
}
