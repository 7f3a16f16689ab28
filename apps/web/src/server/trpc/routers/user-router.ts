import { z } from 'zod';
import { Id } from '@fulcrum/lvs/estate/common';
import { CreateUserInput, UpdateUserInput } from '@fulcrum/lvs/estate/user';
import { createUser, listUsers, resetUserPassword, updateUser } from '@fulcrum/core/users/user-mutations';
import { adminProcedure, router } from '../init';

export const userRouter = router({
  list: adminProcedure.query(({ ctx }) => listUsers({ db: ctx.db, actor: ctx.actor })),
  create: adminProcedure.input(CreateUserInput).mutation(({ ctx, input }) => createUser({ db: ctx.db, actor: ctx.actor, input })),
  update: adminProcedure.input(UpdateUserInput).mutation(({ ctx, input }) => updateUser({ db: ctx.db, actor: ctx.actor, input })),
  /** Shown once: a new random password the user must change at next login. */
  resetPassword: adminProcedure.input(z.object({ id: Id })).mutation(({ ctx, input }) => resetUserPassword({ db: ctx.db, actor: ctx.actor, input })),
});
