import { z } from 'zod';
import { CreateClusterInput, UpdateClusterInput } from '@fulcrum/lvs/estate/cluster';
import { Id, ObjectRef } from '@fulcrum/lvs/estate/common';
import { getClusterDetail, listClusters } from '@fulcrum/core/clusters/cluster-queries';
import { createCluster, deleteCluster, updateCluster } from '@fulcrum/core/clusters/cluster-mutations';
import { adminProcedure, router, viewerProcedure } from '../init';

export const clusterRouter = router({
  list: viewerProcedure.query(({ ctx }) => listClusters({ db: ctx.db })),
  get: viewerProcedure.input(z.object({ clusterId: Id })).query(({ ctx, input }) => getClusterDetail({ db: ctx.db, clusterId: input.clusterId })),
  create: adminProcedure.input(CreateClusterInput).mutation(({ ctx, input }) => createCluster({ db: ctx.db, actor: ctx.actor, input })),
  update: adminProcedure.input(UpdateClusterInput).mutation(({ ctx, input }) => updateCluster({ db: ctx.db, actor: ctx.actor, input })),
  delete: adminProcedure.input(ObjectRef).mutation(({ ctx, input }) => deleteCluster({ db: ctx.db, actor: ctx.actor, input })),
});
