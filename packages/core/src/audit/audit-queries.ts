import type { Db } from '../db';

/** One page of the audit log, newest first; `cursor` is the id of the last row of the previous page. */
export async function listAuditEvents(options: { db: Db; clusterId?: string | null; limit: number; cursor?: string | null }) {
  const rows = await options.db.auditEvent.findMany({
    where: options.clusterId ? { clusterId: options.clusterId } : {},
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: options.limit + 1,
    ...(options.cursor ? { cursor: { id: options.cursor }, skip: 1 } : {}),
    select: { id: true, createdAt: true, actorName: true, action: true, objectType: true, objectId: true, summary: true, before: true, after: true, clusterId: true },
  });
  const items = rows.slice(0, options.limit);
  return { items, nextCursor: rows.length > options.limit ? (items[items.length - 1]?.id ?? null) : null };
}
