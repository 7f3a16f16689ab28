import { z } from 'zod';
import { Id } from '@fulcrum/lvs/estate/common';
import { listAuditEvents } from '@fulcrum/core/audit/audit-queries';
import { router, viewerProcedure } from '../init';

export const auditRouter = router({
  list: viewerProcedure
    .input(z.object({ clusterId: Id.nullish(), limit: z.number().int().min(1).max(200).default(50), cursor: Id.nullish() }))
    .query(({ ctx, input }) => listAuditEvents({ db: ctx.db, clusterId: input.clusterId, limit: input.limit, cursor: input.cursor })),
});
