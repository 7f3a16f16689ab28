import { z } from 'zod';
import { Id } from '@fulcrum/lvs/estate/common';
import { liveServiceStats } from '@fulcrum/core/stats/live-service-stats';
import { router, viewerProcedure } from '../init';

export const statsRouter = router({
  /** Latest counters per service and real server, summed over the directors of each pair. */
  live: viewerProcedure.input(z.object({ clusterId: Id })).query(({ ctx, input }) => liveServiceStats({ db: ctx.db, clusterId: input.clusterId })),
});
