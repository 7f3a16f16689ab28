import { listKernelTables } from '@fulcrum/core/kernel-view/list-kernel-tables';
import { KernelTables, KernelTablesInput } from '@fulcrum/core/live/live-schemas';
import { router, viewerProcedure } from '../init';

/** What the directors' kernels hold, as their agents last read it. */
export const kernelRouter = router({
  /** Per director: the `ipvsadm -Ln` text its agent last sent, and when. */
  tables: viewerProcedure.input(KernelTablesInput).output(KernelTables).query(({ ctx, input }) => listKernelTables({ db: ctx.db, clusterId: input.clusterId })),
});
