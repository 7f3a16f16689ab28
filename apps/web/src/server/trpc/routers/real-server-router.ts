import { ObjectRef } from '@fulcrum/lvs/estate/common';
import { CreateRealServerInput, SetRealServerWeightInput, UpdateRealServerInput } from '@fulcrum/lvs/estate/real-server';
import { createRealServer, deleteRealServer, setRealServerWeight, updateRealServer } from '@fulcrum/core/real-servers/real-server-mutations';
import { operatorProcedure, router } from '../init';

export const realServerRouter = router({
  create: operatorProcedure.input(CreateRealServerInput).mutation(({ ctx, input }) => createRealServer({ db: ctx.db, actor: ctx.actor, input })),
  update: operatorProcedure.input(UpdateRealServerInput).mutation(({ ctx, input }) => updateRealServer({ db: ctx.db, actor: ctx.actor, input })),
  setWeight: operatorProcedure.input(SetRealServerWeightInput).mutation(({ ctx, input }) => setRealServerWeight({ db: ctx.db, actor: ctx.actor, input })),
  delete: operatorProcedure.input(ObjectRef).mutation(({ ctx, input }) => deleteRealServer({ db: ctx.db, actor: ctx.actor, input })),
});
