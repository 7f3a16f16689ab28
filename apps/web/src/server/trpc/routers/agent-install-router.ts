import { z } from 'zod';
import { Id } from '@fulcrum/lvs/estate/common';
import { ScanHostKeyInput, StartAgentOperationInput } from '@fulcrum/installer/install-target';
import { getAgentOperation, listAgentOperations, startAgentOperation } from '@fulcrum/core/agent-install/agent-operations';
import { forgetSshHostKey, scanSshHostKey } from '@fulcrum/core/agent-install/ssh-host-keys';
import { AGENT_WS_PATH } from '@fulcrum/protocol/frames';
import { adminProcedure, router } from '../init';

/** ws(s)://<the host this request came to>/ws/agent: a sensible default for agents on the same network. */
function agentUrlFromRequest(req: Request): string | null {
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  if (!host) return null;
  const secure = req.headers.get('x-forwarded-proto') === 'https' || new URL(req.url).protocol === 'https:';
  return `${secure ? 'wss' : 'ws'}://${host}${AGENT_WS_PATH}`;
}

export const agentInstallRouter = router({
  /** The host's SSH key (no login) and whether Fulcrum trusts it: shown for confirmation on first use. */
  scanHostKey: adminProcedure.input(ScanHostKeyInput).mutation(({ ctx, input }) => scanSshHostKey({ db: ctx.db, actor: ctx.actor, input })),
  /** Forgets a trusted host key (after a legitimate reinstall of the host); audited. */
  forgetHostKey: adminProcedure.input(ScanHostKeyInput).mutation(({ ctx, input }) => forgetSshHostKey({ db: ctx.db, actor: ctx.actor, input })),
  /** The agent URL an install uses when the form leaves it empty. */
  defaults: adminProcedure.query(({ ctx }) => ({ serverUrl: process.env.FULCRUM_AGENT_SERVER_URL ?? agentUrlFromRequest(ctx.req) })),
  /** Starts an install, upgrade or removal over SSH; follow it with `get`. Credentials are used for this operation only. */
  start: adminProcedure
    .input(StartAgentOperationInput)
    .mutation(({ ctx, input }) => startAgentOperation({ db: ctx.db, actor: ctx.actor, input, serverUrlDefault: { fromEnv: process.env.FULCRUM_AGENT_SERVER_URL ?? null, fromRequest: agentUrlFromRequest(ctx.req) } })),
  get: adminProcedure.input(z.object({ id: Id })).query(({ ctx, input }) => getAgentOperation({ db: ctx.db, input })),
  listForNode: adminProcedure.input(z.object({ nodeId: Id, limit: z.number().int().min(1).max(50).optional() })).query(({ ctx, input }) => listAgentOperations({ db: ctx.db, input })),
});
