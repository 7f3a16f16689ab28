import { ObjectRef } from '@fulcrum/lvs/estate/common';
import { CreateVirtualServiceInput, UpdateVirtualServiceInput } from '@fulcrum/lvs/estate/virtual-service';
import { createVirtualService, deleteVirtualService, updateVirtualService } from '@fulcrum/core/services/service-mutations';
import { operatorProcedure, router } from '../init';

export const serviceRouter = router({
  create: operatorProcedure.input(CreateVirtualServiceInput).mutation(({ ctx, input }) => createVirtualService({ db: ctx.db, actor: ctx.actor, input })),
  update: operatorProcedure.input(UpdateVirtualServiceInput).mutation(({ ctx, input }) => updateVirtualService({ db: ctx.db, actor: ctx.actor, input })),
  delete: operatorProcedure.input(ObjectRef).mutation(({ ctx, input }) => deleteVirtualService({ db: ctx.db, actor: ctx.actor, input })),
});
