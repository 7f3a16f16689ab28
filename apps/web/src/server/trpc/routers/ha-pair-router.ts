import { ObjectRef } from '@fulcrum/lvs/estate/common';
import { CreateHaPairInput, UpdateHaPairInput } from '@fulcrum/lvs/estate/ha-pair';
import { createHaPair, deleteHaPair, updateHaPair } from '@fulcrum/core/ha-pairs/ha-pair-mutations';
import { adminProcedure, router } from '../init';

export const haPairRouter = router({
  create: adminProcedure.input(CreateHaPairInput).mutation(({ ctx, input }) => createHaPair({ db: ctx.db, actor: ctx.actor, input })),
  update: adminProcedure.input(UpdateHaPairInput).mutation(({ ctx, input }) => updateHaPair({ db: ctx.db, actor: ctx.actor, input })),
  delete: adminProcedure.input(ObjectRef).mutation(({ ctx, input }) => deleteHaPair({ db: ctx.db, actor: ctx.actor, input })),
});
