import { z } from 'zod';
import { Id } from '@fulcrum/lvs/estate/common';
import { getAgentStatus } from '@fulcrum/core/agents/agent-status';
import { adoptNodeDrift } from '@fulcrum/core/agents/adopt-node-drift';
import { revertNodeDrift } from '@fulcrum/core/agents/revert-node-drift';
import { AdoptDriftInput, AdoptDriftResult } from '@fulcrum/core/live/live-schemas';
import { adminProcedure, operatorProcedure, router, viewerProcedure } from '../init';

export const agentRouter = router({
  /** Per node: connected, applied vs cluster generation, last error, drift, VRRP states, compile issues. */
  status: viewerProcedure.input(z.object({ clusterId: Id })).query(({ ctx, input }) => getAgentStatus({ db: ctx.db, clusterId: input.clusterId })),
  /** Re-sends the node's snapshot with revertDrift, so its agent undoes hand-made kernel changes (audited). */
  revertDrift: adminProcedure.input(z.object({ nodeId: Id })).mutation(({ ctx, input }) => revertNodeDrift({ db: ctx.db, actor: ctx.actor, nodeId: input.nodeId })),
  /** Makes the configuration match the kernel where drift maps to a real server's weight; says what it refused and why (audited). */
  adoptDrift: operatorProcedure.input(AdoptDriftInput).output(AdoptDriftResult).mutation(({ ctx, input }) => adoptNodeDrift({ db: ctx.db, actor: ctx.actor, nodeId: input.nodeId })),
});
