import { z } from 'zod';
import { Id, ObjectRef } from '@fulcrum/lvs/estate/common';
import { CreateNodeInput, UpdateNodeInput } from '@fulcrum/lvs/estate/node';
import { createNode, deleteNode, issueNodeToken, revokeNodeToken, updateNode } from '@fulcrum/core/nodes/node-mutations';
import { adminProcedure, router } from '../init';

export const nodeRouter = router({
  create: adminProcedure.input(CreateNodeInput).mutation(({ ctx, input }) => createNode({ db: ctx.db, actor: ctx.actor, input })),
  update: adminProcedure.input(UpdateNodeInput).mutation(({ ctx, input }) => updateNode({ db: ctx.db, actor: ctx.actor, input })),
  delete: adminProcedure.input(ObjectRef).mutation(({ ctx, input }) => deleteNode({ db: ctx.db, actor: ctx.actor, input })),
  /** Shown once: the browser must display it immediately; only its hash is kept. */
  issueToken: adminProcedure.input(z.object({ id: Id })).mutation(({ ctx, input }) => issueNodeToken({ db: ctx.db, actor: ctx.actor, input })),
  revokeToken: adminProcedure.input(z.object({ id: Id })).mutation(({ ctx, input }) => revokeNodeToken({ db: ctx.db, actor: ctx.actor, input })),
});
