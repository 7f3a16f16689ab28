import type { Db } from '../db';
import { AppError } from '../errors/app-error';
import type { KernelTables } from '../live/live-schemas';
import { latestKernelTable } from './kernel-table-store';

/** Every director of a cluster with the `ipvsadm -Ln` text its agent last sent (null when none yet). */
export async function listKernelTables(options: { db: Db; clusterId: string }): Promise<KernelTables> {
  const cluster = await options.db.cluster.findUnique({ where: { id: options.clusterId }, select: { nodes: { where: { role: 'DIRECTOR' }, orderBy: { name: 'asc' }, select: { id: true, name: true } } } });
  if (!cluster) throw new AppError('NOT_FOUND', 'That cluster does not exist');
  return cluster.nodes.map((node) => {
    const table = latestKernelTable(node.id);
    return { nodeId: node.id, name: node.name, text: table?.text ?? null, capturedAt: table?.capturedAt ?? null };
  });
}
