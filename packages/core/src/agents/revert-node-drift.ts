import { assertRole, type Actor } from '../auth/actor';
import type { Db } from '../db';
import { AppError } from '../errors/app-error';
import { getAgentRegistry, type AgentRegistry } from './agent-registry';

/**
 * Sends a node its snapshot with revertDrift set, so its agent undoes changes made by hand (admin).
 * Audited, but no generation bump: the desired state did not change, only the kernel is put back.
 */
export async function revertNodeDrift(options: { db: Db; actor: Actor; nodeId: string; registry?: AgentRegistry }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, nodeId } = options;
  const registry = options.registry ?? getAgentRegistry();
  const node = await db.node.findUnique({ where: { id: nodeId }, select: { id: true, name: true, clusterId: true } });
  if (!node) throw new AppError('NOT_FOUND', 'That node no longer exists');
  if (!registry.connectedNodes().some((c) => c.nodeId === nodeId)) throw new AppError('CONFLICT', `The agent of ${node.name} is not connected: it cannot revert drift now`);
  const pushed = await registry.pushSnapshot(nodeId, { revertDrift: true });
  if (!pushed.sent) throw new AppError('CONFLICT', `The agent of ${node.name} disconnected before the snapshot could be sent`);
  await db.auditEvent.create({
    data: {
      clusterId: node.clusterId,
      actorId: actor.userId,
      actorName: actor.username,
      action: 'node.revertDrift',
      objectType: 'Node',
      objectId: node.id,
      summary: `asked the agent of ${node.name} to revert drift (generation ${pushed.generation})`,
    },
    select: { id: true },
  });
  return { nodeId, generation: pushed.generation };
}
