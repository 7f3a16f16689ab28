import { z } from 'zod';
import { forceDrain, listDrainJobs, restoreRealServer, startDrain } from '@fulcrum/core/drain/drain-jobs';
import { DrainJobView, ForceDrainInput, ListDrainsInput, RestoreDrainInput, RestoreDrainResult, StartDrainInput, StartDrainResult } from '@fulcrum/core/drain/drain-schemas';
import { operatorProcedure, router, viewerProcedure } from '../init';

/** Drain jobs of real servers: start, force, restore, list. */
export const drainRouter = router({
  /** Drains a real server: weight 0 on every director of its pair, a tracked job (CONFIRMATION_REQUIRED for the last serving one). */
  start: operatorProcedure.input(StartDrainInput).output(StartDrainResult).mutation(({ ctx, input }) => startDrain({ db: ctx.db, actor: ctx.actor, input })),
  /** Ends a running or timed-out drain now as FORCED (adminState DRAINED). */
  force: operatorProcedure.input(ForceDrainInput).output(DrainJobView).mutation(({ ctx, input }) => forceDrain({ db: ctx.db, actor: ctx.actor, input })),
  /** Ends any drain or maintenance: READY at the weight the drain started from. */
  restore: operatorProcedure.input(RestoreDrainInput).output(RestoreDrainResult).mutation(({ ctx, input }) => restoreRealServer({ db: ctx.db, actor: ctx.actor, input })),
  /** Unfinished drain jobs of a cluster and the 50 most recent. */
  list: viewerProcedure.input(ListDrainsInput).output(z.array(DrainJobView)).query(({ ctx, input }) => listDrainJobs({ db: ctx.db, clusterId: input.clusterId })),
});
