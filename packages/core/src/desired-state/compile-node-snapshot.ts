// The database half of the desired-state compiler: read one cluster consistently, compile, validate.
import { HA_PAIR_FIELDS } from '../ha-pairs/ha-pair-fields';
import { REAL_SERVER_FIELDS } from '../real-servers/real-server-fields';
import { SERVICE_FIELDS } from '../services/service-fields';
import type { NodeSnapshot } from '@fulcrum/protocol/snapshot';
import type { Db } from '../db';
import { AppError } from '../errors/app-error';
import { compileSnapshotFromRows, type ClusterRows, type CompileIssue, type RealServerRow, type ReportableKeys } from './compile-snapshot-from-rows';
import { validateNodeSnapshot } from '@fulcrum/protocol/validate-node-snapshot';

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
      // Flat queries, joined here: at 10,000 real servers, nesting the real servers (and each one's
      // drain jobs) in the services query cost Prisma about twice as much as reading them flat.
      const [nodes, pairs, services, realServers, expiring] = await Promise.all([
        tx.node.findMany({ where: { clusterId }, select: { id: true, name: true, role: true } }),
        tx.haPair.findMany({
          where: { clusterId },
          select: { ...HA_PAIR_FIELDS, preventPortReuseLeaks: true },
        }),
        tx.virtualService.findMany({ where: { clusterId }, select: SERVICE_FIELDS }),
        tx.realServer.findMany({
          where: { virtualService: { clusterId } },
          orderBy: [{ virtualServiceId: 'asc' }, { address: 'asc' }, { port: 'asc' }],
          select: { virtualServiceId: true, ...REAL_SERVER_FIELDS },
        }),
        // A drain asking to expire persistence templates stays in effect until it is restored.
        tx.drainJob.findMany({ where: { restoredAt: null, expirePersistence: true, realServer: { virtualService: { clusterId } } }, select: { realServerId: true } }),
      ]);
      const expirePersistence = new Set(expiring.map((d) => d.realServerId));
      const byService = new Map<string, RealServerRow[]>();
      for (const rs of realServers) {
        let list = byService.get(rs.virtualServiceId);
        if (!list) byService.set(rs.virtualServiceId, (list = []));
        // Each row completed in place (it keeps its virtualServiceId): copying 10,000 rows with rest and spread took ~10 ms.
        const row: RealServerRow = rs;
        row.expirePersistence = expirePersistence.has(rs.id);
        list.push(row);
      }
      return {
        clusterId,
        generation: cluster.generation,
        nodes,
        pairs: pairs.map((p) => ({ ...p, preventPortReuseLeaks: p.preventPortReuseLeaks ?? cluster.preventPortReuseLeaks })),
        services: services.map((s) => ({ ...s, fwmark: s.fwmark === null ? null : Number(s.fwmark), realServers: byService.get(s.id) ?? [] })),
      };
    },
    // a burst of edits holds the pool: wait for a connection as long as a change itself does (10 s)
    { isolationLevel: 'RepeatableRead', maxWait: 10_000, timeout: 20_000 },
  );
}

/** Compiles and validates one node's snapshot from already loaded rows (throws SnapshotCompileError on a bad result). */
export function compileValidatedSnapshot(rows: ClusterRows, nodeId: string): CompiledNodeSnapshot {
  const compiled = compileSnapshotFromRows(rows, nodeId);
  const parsed = validateNodeSnapshot(compiled.node);
  if (!parsed.ok) {
    const { message, path } = parsed.issue;
    throw new SnapshotCompileError(nodeId, `${message}${path.length ? ` at ${path.map(String).join('.')}` : ''}`);
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
