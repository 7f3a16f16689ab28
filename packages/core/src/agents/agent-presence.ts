// What the gateway writes about an agent's connection; the gateway itself holds no Prisma.
import { hashAgentToken } from '../nodes/node-mutations';
import type { Db } from '../db';
import { recordNodeEvent } from '../events/node-events';

/** The node a token belongs to (never the hash itself). */
export type AgentNode = { id: string; clusterId: string; name: string; role: 'DIRECTOR' | 'REAL_SERVER' };

/** Finds the node whose current token is `token` (SHA-256 compared in the database); null when unknown, revoked or rotated. */
export async function findNodeByAgentToken(options: { db: Db; token: string }): Promise<(AgentNode & { tokenHash: string }) | null> {
  const tokenHash = hashAgentToken(options.token);
  const node = await options.db.node.findUnique({ where: { tokenHash }, select: { id: true, clusterId: true, name: true, role: true } });
  return node ? { ...node, tokenHash } : null;
}

/** For each live connection: does its node still exist, and is its token still the one the agent used? */
export async function checkAgentCredentials(options: { db: Db; connections: Array<{ nodeId: string; tokenHash: string }> }): Promise<Map<string, 'ok' | 'revoked' | 'gone'>> {
  const ids = [...new Set(options.connections.map((c) => c.nodeId))];
  const nodes = ids.length === 0 ? [] : await options.db.node.findMany({ where: { id: { in: ids } }, select: { id: true, tokenHash: true } });
  const byId = new Map(nodes.map((n) => [n.id, n.tokenHash]));
  const verdicts = new Map<string, 'ok' | 'revoked' | 'gone'>();
  for (const c of options.connections) {
    const current = byId.get(c.nodeId);
    verdicts.set(c.nodeId, current === undefined ? 'gone' : current === c.tokenHash ? 'ok' : 'revoked');
  }
  return verdicts;
}

/** Marks a node's agent connected (status, version, last seen) and puts it on the timeline. */
export async function markAgentConnected(options: { db: Db; node: AgentNode; agentVersion: string; hostname: string; lastAppliedGeneration: number | null }): Promise<void> {
  const { db, node } = options;
  await db.node.update({ where: { id: node.id }, data: { agentStatus: 'CONNECTED', agentVersion: options.agentVersion, lastSeenAt: new Date() }, select: { id: true } });
  await recordNodeEvent({
    db,
    clusterId: node.clusterId,
    nodeId: node.id,
    kind: 'AGENT',
    message: `agent ${options.agentVersion} connected from ${options.hostname}`,
    details: { event: 'connected', agentVersion: options.agentVersion, hostname: options.hostname, lastAppliedGeneration: options.lastAppliedGeneration },
  });
}

/** Marks a node's agent disconnected with the time it was last heard from, and why. */
export async function markAgentDisconnected(options: { db: Db; node: AgentNode; lastSeenAt: Date; code: number; reason: string }): Promise<void> {
  const { db, node } = options;
  // updateMany: the node may have been deleted, which is why the agent was closed.
  await db.node.updateMany({ where: { id: node.id }, data: { agentStatus: 'DISCONNECTED', lastSeenAt: options.lastSeenAt } });
  if ((await db.node.count({ where: { id: node.id } })) === 0) return;
  await recordNodeEvent({
    db,
    clusterId: node.clusterId,
    nodeId: node.id,
    kind: 'AGENT',
    severity: options.code === 1000 || options.code === 1001 || options.code === 4409 ? 'INFO' : 'WARNING',
    message: `agent disconnected (${options.code}${options.reason ? ` ${options.reason}` : ''})`,
    details: { event: 'disconnected', code: options.code, reason: options.reason },
  });
}

/** Updates when the node's agent was last heard from (the gateway throttles calls). */
export async function touchAgent(options: { db: Db; nodeId: string; at: Date }): Promise<void> {
  await options.db.node.updateMany({ where: { id: options.nodeId }, data: { lastSeenAt: options.at, agentStatus: 'CONNECTED' } });
}

/** An applied frame as the gateway passes it on. */
export type AppliedReport = {
  generation: number;
  status: 'applied' | 'partial' | 'failed';
  changes: number;
  errors: Array<{ item: string; message: string }>;
  missing: string[];
  durationMs: number;
};

/** One line for Node.lastApplyError: what failed first, and how much else. */
export function summarizeApplyErrors(report: AppliedReport): string | null {
  if (report.status === 'applied') return null;
  const parts: string[] = [];
  if (report.missing.length > 0) parts.push(`missing: ${report.missing.join(', ')}`);
  const [first] = report.errors;
  if (first) parts.push(`${first.item}: ${first.message}${report.errors.length > 1 ? ` (and ${report.errors.length - 1} more)` : ''}`);
  return (parts.join('; ') || `${report.status} without details`).slice(0, 2000);
}

/** Stores what the agent applied: generation, error summary, and a timeline entry when something changed or failed. */
export async function recordAgentApplied(options: { db: Db; node: AgentNode; report: AppliedReport }): Promise<void> {
  const { db, node, report } = options;
  await db.node.updateMany({ where: { id: node.id }, data: { appliedGeneration: report.generation, lastApplyError: summarizeApplyErrors(report), lastSeenAt: new Date() } });
  if (report.status === 'applied' && report.changes === 0) return;
  await recordNodeEvent({
    db,
    clusterId: node.clusterId,
    nodeId: node.id,
    kind: 'APPLY',
    severity: report.status === 'applied' ? 'INFO' : 'ERROR',
    message: `generation ${report.generation} ${report.status}: ${report.changes} change(s) in ${Math.round(report.durationMs)} ms${report.errors.length ? `, ${report.errors.length} error(s)` : ''}`,
    details: { generation: report.generation, status: report.status, changes: report.changes, errors: report.errors.slice(0, 50), missing: report.missing, durationMs: report.durationMs },
  });
}

/** Puts something the agent reported (keepalived restarted, kernel feature missing, …) on the node's timeline. */
export async function recordAgentEvent(options: { db: Db; node: AgentNode; kind: string; severity: 'info' | 'warning' | 'error'; message: string; at: Date }): Promise<void> {
  await recordNodeEvent({
    db: options.db,
    clusterId: options.node.clusterId,
    nodeId: options.node.id,
    kind: 'AGENT',
    severity: options.severity === 'error' ? 'ERROR' : options.severity === 'warning' ? 'WARNING' : 'INFO',
    message: options.message,
    details: { event: options.kind },
    at: options.at,
  });
}

/** Current generation of each cluster (missing clusters are left out). */
export async function readClusterGenerations(options: { db: Db; clusterIds: string[] }): Promise<Map<string, number>> {
  if (options.clusterIds.length === 0) return new Map();
  const rows = await options.db.cluster.findMany({ where: { id: { in: options.clusterIds } }, select: { id: true, generation: true } });
  return new Map(rows.map((r) => [r.id, r.generation]));
}
