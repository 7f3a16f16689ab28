import { z } from 'zod';
import { Id } from '@fulcrum/lvs/estate/common';
import { listNodeEvents } from '@fulcrum/core/events/node-events';
import { router, viewerProcedure } from '../init';

export const eventsRouter = router({
  /** The nodes' timeline (VRRP, health, agent, drift, apply), newest first. */
  list: viewerProcedure
    .input(z.object({ clusterId: Id, nodeId: Id.nullish(), limit: z.number().int().min(1).max(500).default(100) }))
    .query(({ ctx, input }) => listNodeEvents({ db: ctx.db, clusterId: input.clusterId, nodeId: input.nodeId, limit: input.limit })),
});
