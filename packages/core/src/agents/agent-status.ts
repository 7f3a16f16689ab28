import type { Db } from '../db';
import { compileValidatedSnapshot, loadClusterRows, SnapshotCompileError } from '../desired-state/compile-node-snapshot';
import type { CompileIssue } from '../desired-state/compile-snapshot-from-rows';
import { listLatestDrift } from '../events/drift-reports';
import { listVrrpStates } from '../events/vrrp-states';
import { getAgentRegistry, type AgentRegistry } from './agent-registry';

/**
 * Per node of a cluster: is its agent connected, which generation did it apply against the
 * cluster's, the last apply error, its latest drift and VRRP states, and what in the estate keeps
 * its snapshot from being right (compile issues). No secrets: token hashes and VRRP secrets stay in.
 */
export async function getAgentStatus(options: { db: Db; clusterId: string; registry?: AgentRegistry }) {
  const { db, clusterId } = options;
  const registry = options.registry ?? getAgentRegistry();
  const rows = await loadClusterRows({ db, clusterId });
  const [nodes, drift, vrrp] = await Promise.all([
    db.node.findMany({
      where: { clusterId },
      orderBy: [{ role: 'asc' }, { name: 'asc' }],
      select: { id: true, name: true, role: true, agentStatus: true, agentVersion: true, lastSeenAt: true, appliedGeneration: true, lastApplyError: true, tokenCreatedAt: true },
    }),
    listLatestDrift({ db, clusterId }),
    listVrrpStates({ db, clusterId }),
  ]);
  const live = new Map(registry.connectedNodes().map((c) => [c.nodeId, c]));
  const driftByNode = new Map(drift.map((d) => [d.nodeId, d]));
  return {
    clusterId,
    generation: rows.generation,
    nodes: nodes.map((node) => {
      let issues: CompileIssue[];
      try {
        issues = compileValidatedSnapshot(rows, node.id).issues;
      } catch (error) {
        if (!(error instanceof SnapshotCompileError)) throw error;
        issues = [{ severity: 'error', objectType: 'Node', objectId: node.id, message: error.message }];
      }
      const connection = live.get(node.id);
      const nodeDrift = driftByNode.get(node.id);
      return {
        ...node,
        hasToken: node.tokenCreatedAt !== null,
        connected: connection !== undefined,
        connectedAt: connection?.connectedAt ?? null,
        sentGeneration: connection?.sentGeneration ?? null,
        upToDate: node.appliedGeneration === rows.generation && node.lastApplyError === null,
        drift: nodeDrift ? { generation: nodeDrift.generation, detectedAt: nodeDrift.detectedAt, itemCount: nodeDrift.itemCount, items: nodeDrift.items } : null,
        vrrp: vrrp.filter((v) => v.nodeId === node.id).map(({ nodeId: _n, ...v }) => v),
        issues,
      };
    }),
  };
}
