import type { CreateClusterInput, UpdateClusterInput } from '@fulcrum/lvs/estate/cluster';
import type { ObjectRef } from '@fulcrum/lvs/estate/common';
import type { z } from 'zod';
import { assertRole, type Actor } from '../auth/actor';
import { commitChange } from '../audit/commit-change';
import { staleEditError } from '../audit/stale-edit';
import type { Db, Tx } from '../db';
import { AppError, fieldError, mapUniqueViolation } from '../errors/app-error';

const CLUSTER_SELECT = { id: true, name: true, description: true, generation: true, preventPortReuseLeaks: true, version: true } as const;

function withDuplicateName<T>(name: string, run: () => Promise<T>): Promise<T> {
  return mapUniqueViolation(run, () => fieldError('name', `A cluster named "${name}" already exists`, 'DUPLICATE'));
}

/** Creates a cluster (admin). */
export async function createCluster(options: { db: Db; actor: Actor; input: z.input<typeof CreateClusterInput> }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  return withDuplicateName(input.name, () =>
    commitChange(db, { actor, clusterId: null }, async (tx) => {
      const cluster = await tx.cluster.create({ data: { name: input.name, description: input.description ?? '', preventPortReuseLeaks: input.preventPortReuseLeaks ?? false }, select: CLUSTER_SELECT });
      return {
        result: cluster,
        clusterId: cluster.id,
        audit: { action: 'cluster.create', objectType: 'Cluster', objectId: cluster.id, summary: `created cluster ${cluster.name}`, after: cluster },
      };
    }),
  );
}

async function loadClusterForEdit(tx: Tx, ref: ObjectRef) {
  const cluster = await tx.cluster.findUnique({ where: { id: ref.id }, select: CLUSTER_SELECT });
  if (!cluster || cluster.version !== ref.version) {
    throw await staleEditError(tx, { objectType: 'Cluster', objectId: ref.id, label: `Cluster ${cluster?.name ?? ''}`.trim(), exists: cluster !== null, expectedVersion: ref.version });
  }
  return cluster;
}

/** Renames or re-describes a cluster (admin). */
export async function updateCluster(options: { db: Db; actor: Actor; input: UpdateClusterInput }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  return withDuplicateName(input.name, () =>
    commitChange(db, { actor, clusterId: input.id }, async (tx) => {
      const before = await loadClusterForEdit(tx, input);
      const updated = await tx.cluster.updateMany({
        where: { id: input.id, version: input.version },
        data: { name: input.name, description: input.description, preventPortReuseLeaks: input.preventPortReuseLeaks, version: { increment: 1 } },
      });
      if (updated.count !== 1) throw await staleEditError(tx, { objectType: 'Cluster', objectId: input.id, label: `Cluster ${before.name}`, exists: true, expectedVersion: input.version });
      const after = await tx.cluster.findUniqueOrThrow({ where: { id: input.id }, select: CLUSTER_SELECT });
      return { result: after, audit: { action: 'cluster.update', objectType: 'Cluster', objectId: input.id, summary: `updated cluster ${after.name}`, before, after } };
    }),
  );
}

/** Deletes an empty cluster (admin); refuses while it still holds anything. */
export async function deleteCluster(options: { db: Db; actor: Actor; input: ObjectRef }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  return commitChange(db, { actor, clusterId: null }, async (tx) => {
    const before = await loadClusterForEdit(tx, input);
    const [nodes, services, pairs] = await Promise.all([
      tx.node.count({ where: { clusterId: input.id } }),
      tx.virtualService.count({ where: { clusterId: input.id } }),
      tx.haPair.count({ where: { clusterId: input.id } }),
    ]);
    if (nodes + services + pairs > 0) {
      throw new AppError('IN_USE', `Cluster ${before.name} still has ${services} services, ${pairs} HA pairs and ${nodes} nodes: delete those first`);
    }
    await tx.cluster.delete({ where: { id: input.id } });
    return { result: { id: input.id }, audit: { action: 'cluster.delete', objectType: 'Cluster', objectId: input.id, summary: `deleted cluster ${before.name}`, before } };
  });
}
