import { ObjectRef } from '@fulcrum/lvs/estate/common';
import { CreateRealServerInput, SetRealServerWeightInput, UpdateRealServerInput } from '@fulcrum/lvs/estate/real-server';
import { createRealServer, deleteRealServer, setRealServerWeight, updateRealServer } from '@fulcrum/core/real-servers/real-server-mutations';
import { setRealServerMaintenance } from '@fulcrum/core/drain/drain-jobs';
import { RealServerAdminView, SetMaintenanceInput } from '@fulcrum/core/drain/drain-schemas';
import { operatorProcedure, router } from '../init';

export const realServerRouter = router({
  create: operatorProcedure.input(CreateRealServerInput).mutation(({ ctx, input }) => createRealServer({ db: ctx.db, actor: ctx.actor, input })),
  update: operatorProcedure.input(UpdateRealServerInput).mutation(({ ctx, input }) => updateRealServer({ db: ctx.db, actor: ctx.actor, input })),
  setWeight: operatorProcedure.input(SetRealServerWeightInput).mutation(({ ctx, input }) => setRealServerWeight({ db: ctx.db, actor: ctx.actor, input })),
  delete: operatorProcedure.input(ObjectRef).mutation(({ ctx, input }) => deleteRealServer({ db: ctx.db, actor: ctx.actor, input })),
  /** Maintenance: kernel weight 0 at once, no job (CONFIRMATION_REQUIRED for the last serving one); undo with drain.restore. */
  setMaintenance: operatorProcedure.input(SetMaintenanceInput).output(RealServerAdminView).mutation(({ ctx, input }) => setRealServerMaintenance({ db: ctx.db, actor: ctx.actor, input })),
});
