import type { Db } from '../db';
import { recordNodeEvent } from './node-events';

/**
 * Stores a health check transition a director reported: RealServer.health of the matching rows and a
 * timeline entry. Only health changes — never adminState, weight or version (an operator's edit in
 * flight must not turn stale because a check flapped). The update is limited to real servers of
 * services on pairs this director belongs to, so a node can never change another pair's rows.
 * Returns how many rows it updated (0: nothing of this node matched; nothing stored).
 */
export async function recordHealthTransition(options: {
  db: Db;
  clusterId: string;
  nodeId: string;
  realServerIds: string[];
  serviceKey: string;
  destinationKey: string;
  state: 'UP' | 'DOWN';
  message: string;
  at: Date;
}): Promise<number> {
  const { db, nodeId } = options;
  if (options.realServerIds.length === 0) return 0;
  const updated = await db.realServer.updateMany({
    where: {
      id: { in: options.realServerIds },
      virtualService: { clusterId: options.clusterId, haPair: { OR: [{ primaryNodeId: nodeId }, { secondaryNodeId: nodeId }] } },
    },
    data: { health: options.state },
  });
  if (updated.count === 0) return 0;
  await recordNodeEvent({
    db,
    clusterId: options.clusterId,
    nodeId,
    kind: 'HEALTH',
    severity: options.state === 'DOWN' ? 'WARNING' : 'INFO',
    message: `${options.destinationKey} in ${options.serviceKey} is ${options.state}${options.message ? `: ${options.message}` : ''}`,
    details: { serviceKey: options.serviceKey, destinationKey: options.destinationKey, state: options.state, realServerIds: options.realServerIds },
    at: options.at,
  });
  return updated.count;
}
