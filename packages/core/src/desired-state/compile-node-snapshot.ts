// The database half of the desired-state compiler: read one cluster consistently, compile, validate.
import { HA_PAIR_FIELDS } from '../ha-pairs/ha-pair-fields';
import { REAL_SERVER_FIELDS } from '../real-servers/real-server-fields';
import { SERVICE_FIELDS } from '../services/service-fields';
import { NodeSnapshot } from '@fulcrum/protocol/snapshot';
import type { Db } from '../db';
import { AppError } from '../errors/app-error';
import { compileSnapshotFromRows, type ClusterRows, type CompileIssue, type ReportableKeys } from './compile-snapshot-from-rows';

/** A validated snapshot for one node, ready to send, with what the operator should fix and what the node may report on. */
export type CompiledNodeSnapshot = { nodeId: string; clusterId: string; generation: number; node: NodeSnapshot; issues: CompileIssue[]; reportable: ReportableKeys };

/** The compiler produced something the wire contract refuses: a bug (or rows the estate rules should have refused), never sent. */
export class SnapshotCompileError extends Error {
  readonly nodeId: string;
  constructor(nodeId: string, message: string) {
    super(`Desired state of node ${nodeId} does not validate: ${message}`);
    this.name = 'SnapshotCompileError';
    this.nodeId = nodeId;
  }
}

/**
 * Reads every row of a cluster the compiler needs in one REPEATABLE READ transaction, so the rows and
 * the generation belong together (a change committed mid-read would otherwise mix two generations).
 */
export async function loadClusterRows(options: { db: Db; clusterId: string }): Promise<ClusterRows> {
  const { db, clusterId } = options;
  return db.$transaction(
    async (tx) => {
      const cluster = await tx.cluster.findUnique({ where: { id: clusterId }, select: { id: true, generation: true, preventPortReuseLeaks: true } });
      if (!cluster) throw new AppError('NOT_FOUND', 'That cluster does not exist');
      const [nodes, pairs, services] = await Promise.all([
        tx.node.findMany({ where: { clusterId }, select: { id: true, name: true, role: true } }),
        tx.haPair.findMany({
          where: { clusterId },
          select: { ...HA_PAIR_FIELDS, preventPortReuseLeaks: true },
        }),
        tx.virtualService.findMany({
          where: { clusterId },
          select: {
            ...SERVICE_FIELDS,
            realServers: {
              orderBy: [{ address: 'asc' }, { port: 'asc' }],
              select: {
                ...REAL_SERVER_FIELDS,
                // A drain asking to expire persistence templates stays in effect until it is restored.
                drainJobs: { where: { restoredAt: null, expirePersistence: true }, select: { id: true }, take: 1 },
              },
            },
          },
        }),
      ]);
      return {
        clusterId,
        generation: cluster.generation,
        nodes,
        pairs: pairs.map((p) => ({ ...p, preventPortReuseLeaks: p.preventPortReuseLeaks ?? cluster.preventPortReuseLeaks })),
        services: services.map((s) => ({
          ...s,
          fwmark: s.fwmark === null ? null : Number(s.fwmark),
          realServers: s.realServers.map(({ drainJobs, ...rs }) => ({ ...rs, expirePersistence: drainJobs.length > 0 })),
        })),
      };
    },
    { isolationLevel: 'RepeatableRead' },
  );
}

/** Compiles and validates one node's snapshot from already loaded rows (throws SnapshotCompileError on a bad result). */
export function compileValidatedSnapshot(rows: ClusterRows, nodeId: string): CompiledNodeSnapshot {
  const compiled = compileSnapshotFromRows(rows, nodeId);
  const parsed = NodeSnapshot.safeParse(compiled.node);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SnapshotCompileError(nodeId, `${issue?.message ?? 'invalid'}${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}`);
  }
  return { nodeId, clusterId: rows.clusterId, generation: compiled.generation, node: parsed.data, issues: compiled.issues, reportable: compiled.reportable };
}

/** The complete desired state of one node at its cluster's current generation, validated against the wire contract. */
export async function compileNodeSnapshot(options: { db: Db; nodeId: string }): Promise<CompiledNodeSnapshot> {
  const node = await options.db.node.findUnique({ where: { id: options.nodeId }, select: { clusterId: true } });
  if (!node) throw new AppError('NOT_FOUND', 'That node no longer exists');
  const rows = await loadClusterRows({ db: options.db, clusterId: node.clusterId });
  if (!rows.nodes.some((n) => n.id === options.nodeId)) throw new AppError('NOT_FOUND', 'That node no longer exists');
  return compileValidatedSnapshot(rows, options.nodeId);
}
