import type { Prisma } from '@fulcrum/db/client';
import type { Actor } from '../auth/actor';
import type { Db, Tx } from '../db';
import { publishClusterChange } from '../clusters/cluster-changes';
import { toAuditJson } from './audit-json';
import { AppError } from '../errors/app-error';

/** How long a change may wait for a connection and then run (Prisma's defaults are 2 s and 5 s). */
const TRANSACTION_LIMITS = { maxWait: 10_000, timeout: 20_000 } as const;

/** What one change did, as the audit log shows it. */
export type AuditEntry = {
  action: string;
  objectType: string;
  objectId: string | null;
  summary: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
};

/**
 * Runs `work` in one transaction with its audit rows; for a cluster-scoped change also bumps the
 * cluster's generation there. Resolves only after COMMIT, then tells listeners (agent gateway, live
 * views) — so nothing is acknowledged or pushed that might still roll back.
 */
export async function commitChange<T>(
  db: Db,
  options: { actor: Actor; clusterId: string | null },
  // `clusterId` in the result: for a change that creates its cluster, unknown until inside.
  work: (tx: Tx) => Promise<{ result: T; audit: AuditEntry | AuditEntry[]; clusterId?: string }>,
): Promise<T> {
  let generation: number | null = null;
  let clusterId = options.clusterId;
  const result = await db
    .$transaction(async (tx) => {
      const { result, audit, clusterId: createdClusterId } = await work(tx);
      if (createdClusterId !== undefined) clusterId = createdClusterId;
      if (clusterId !== null) {
        const bumped = await tx.cluster.update({
          where: { id: clusterId },
          data: { generation: { increment: 1 } },
          select: { generation: true },
        });
        generation = bumped.generation;
      }
      const entries = Array.isArray(audit) ? audit : [audit];
      await tx.auditEvent.createMany({
        data: entries.map(
          (entry): Prisma.AuditEventCreateManyInput => ({
            clusterId,
            actorId: options.actor.userId,
            actorName: options.actor.username,
            action: entry.action,
            objectType: entry.objectType,
            objectId: entry.objectId,
            summary: entry.summary,
            before: toAuditJson(entry.before),
            after: toAuditJson(entry.after),
          }),
        ),
      });
      return result;
    }, TRANSACTION_LIMITS)
    .catch((error: unknown) => {
      // Every change to a cluster bumps its generation row, so changes to one cluster queue behind each
      // other; a burst (a script creating hundreds of real servers at once) can outwait the pool.
      if ((error as { code?: unknown }).code === 'P2028') {
        throw new AppError('RATE_LIMITED', `Too many changes to this cluster at once: this one could not start within ${TRANSACTION_LIMITS.maxWait / 1000} s. Nothing was changed; send it again (or fewer at a time)`, { cause: error });
      }
      throw error;
    });
  if (clusterId !== null && generation !== null) publishClusterChange({ clusterId, generation });
  return result;
}
