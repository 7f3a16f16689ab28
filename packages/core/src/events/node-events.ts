import type { Prisma } from '@fulcrum/db/client';
import type { Db } from '../db';

/** What a timeline entry is about. */
export type NodeEventKind = 'VRRP' | 'HEALTH' | 'AGENT' | 'DRIFT' | 'APPLY';
/** How loudly the UI shows it. */
export type EventSeverity = 'INFO' | 'WARNING' | 'ERROR';

/** Writes one entry of a node's timeline. */
export async function recordNodeEvent(options: {
  db: Db;
  clusterId: string;
  nodeId: string;
  kind: NodeEventKind;
  severity?: EventSeverity;
  message: string;
  details?: Prisma.InputJsonValue;
  at?: Date;
}): Promise<void> {
  await options.db.nodeEvent.create({
    data: {
      clusterId: options.clusterId,
      nodeId: options.nodeId,
      kind: options.kind,
      severity: options.severity ?? 'INFO',
      message: options.message,
      details: options.details ?? {},
      at: options.at ?? new Date(),
    },
    select: { id: true },
  });
}

/** The newest timeline entries of a cluster, or of one node in it, newest first. */
export async function listNodeEvents(options: { db: Db; clusterId: string; nodeId?: string | null; limit: number }) {
  const rows = await options.db.nodeEvent.findMany({
    where: { clusterId: options.clusterId, ...(options.nodeId ? { nodeId: options.nodeId } : {}) },
    orderBy: [{ at: 'desc' }, { createdAt: 'desc' }],
    take: options.limit,
    select: { id: true, nodeId: true, kind: true, severity: true, message: true, details: true, at: true, node: { select: { name: true } } },
  });
  return rows.map(({ node, ...row }) => ({ ...row, nodeName: node.name }));
}
