// One cluster's live view: configuration and agent state from Postgres, counters from the in-memory
// live window, summed over the directors of each pair (after a failover the new MASTER holds the new
// connections while the old one still counts its draining ones: the operator's number is the sum).
import { destinationKey } from '@fulcrum/lvs/model/ipvs';
import type { Db } from '../db';
import { kernelServiceKey, keepalivedName } from '../desired-state/compile-snapshot-from-rows';
import { listDrainJobs } from '../drain/drain-jobs';
import { AppError } from '../errors/app-error';
import { listVrrpStates } from '../events/vrrp-states';
import { latestSyncDaemons } from '../kernel-view/kernel-table-store';
import { getLiveStatsStore, LIVE_STALE_MS, type LiveStatsStore } from '../stats/live-stats-store';
import { configuredShares, observedShares } from './live-shares';
import type { LiveClusterEvent, LiveDirector, LiveNode } from './live-schemas';

/** How far back observedShare looks. */
export const OBSERVED_SHARE_WINDOW_MS = 60_000;

type Counters = { activeConn: number; inactConn: number; connsPerSec: number; bytesInPerSec: number; bytesOutPerSec: number };
const zero = (): Counters => ({ activeConn: 0, inactConn: 0, connsPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0 });
// Connection counts: the largest over directors, since the sync daemon mirrors the MASTER's
// connections into the BACKUP's table (a sum would count each twice). Rates: summed.
function addInto(total: Counters, s: Counters): void {
  total.activeConn = Math.max(total.activeConn, s.activeConn);
  total.inactConn = Math.max(total.inactConn, s.inactConn);
  total.connsPerSec += s.connsPerSec;
  total.bytesInPerSec += s.bytesInPerSec;
  total.bytesOutPerSec += s.bytesOutPerSec;
}

/** Whether a node runs the cluster's generation: offline first (an old answer means nothing), then error, then the generation. */
export function applyStateOf(node: { agentStatus: string; appliedGeneration: number | null; lastApplyError: string | null }, generation: number): LiveNode['applyState'] {
  if (node.agentStatus !== 'CONNECTED') return 'offline';
  if (node.lastApplyError !== null) return 'error';
  return node.appliedGeneration === generation ? 'applied' : 'pending';
}

/**
 * keepalived instance names the compiler gives a pair (see compileDirector): its name, "-v6" for the
 * IPv6 half of a dual-stack pair, "-N" when two pairs' names clean up to the same token.
 */
function pairInstanceMatches(pairName: string, instance: string): boolean {
  const base = keepalivedName(pairName);
  return instance === base || instance === keepalivedName(pairName, '-v6') || new RegExp(`^${base.replace(/[.]/g, '\\.')}-\\d+$`).test(instance);
}

/** The live view of a cluster now (the payload of live.onCluster). */
export async function buildLiveClusterView(options: { db: Db; clusterId: string; store?: LiveStatsStore; now?: number }): Promise<LiveClusterEvent> {
  const { db, clusterId } = options;
  const store = options.store ?? getLiveStatsStore();
  const now = options.now ?? Date.now();
  const cluster = await db.cluster.findUnique({ where: { id: clusterId }, select: { generation: true } });
  if (!cluster) throw new AppError('NOT_FOUND', 'That cluster does not exist');
  const [nodes, pairs, services, vrrp, drains] = await Promise.all([
    db.node.findMany({
      where: { clusterId },
      orderBy: [{ role: 'asc' }, { name: 'asc' }],
      select: { id: true, name: true, role: true, agentStatus: true, appliedGeneration: true, lastApplyError: true, drift: { select: { itemCount: true } } },
    }),
    db.haPair.findMany({ where: { clusterId }, orderBy: { name: 'asc' }, select: { id: true, name: true, primaryNodeId: true, primaryPriority: true, secondaryNodeId: true, secondaryPriority: true, vips: true } }),
    db.virtualService.findMany({
      where: { clusterId },
      orderBy: { serviceKey: 'asc' },
      select: {
        id: true,
        haPairId: true,
        serviceKey: true,
        protocol: true,
        address: true,
        port: true,
        fwmark: true,
        realServers: { orderBy: [{ address: 'asc' }, { port: 'asc' }], select: { id: true, address: true, port: true, forwarding: true, weight: true, adminState: true, health: true } },
      },
    }),
    listVrrpStates({ db, clusterId }),
    listDrainJobs({ db, clusterId }),
  ]);
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  const pairById = new Map(pairs.map((p) => [p.id, p]));
  const fresh = <T extends { at: number }>(value: T | null): T | null => (value && now - value.at <= LIVE_STALE_MS ? value : null);

  const liveServices = services.map((service) => {
    const pair = pairById.get(service.haPairId);
    const directors = pair ? [pair.primaryNodeId, ...(pair.secondaryNodeId ? [pair.secondaryNodeId] : [])] : [];
    const kernelKey = kernelServiceKey({ ...service, fwmark: service.fwmark === null ? null : Number(service.fwmark) }, pair);
    const total = zero();
    for (const nodeId of directors) {
      const latest = fresh(store.latest(nodeId, kernelKey, null));
      if (latest) addInto(total, latest);
    }
    const connections = new Map<string, number>();
    const perServer = service.realServers.map((rs) => {
      const key = destinationKey(rs);
      const sum = zero();
      const kernelWeights: Record<string, number> = {};
      let newConnections = 0;
      for (const nodeId of directors) {
        for (const point of store.window(nodeId, kernelKey, key, now - OBSERVED_SHARE_WINDOW_MS)) newConnections += point.connsPerSec;
        const latest = fresh(store.latest(nodeId, kernelKey, key));
        if (!latest) continue;
        addInto(sum, latest);
        if (latest.weight !== null) kernelWeights[nodeById.get(nodeId)?.name ?? nodeId] = latest.weight;
      }
      connections.set(rs.id, newConnections);
      return { rs, sum, kernelWeights };
    });
    const observed = observedShares(connections);
    const configured = configuredShares(service.realServers);
    return {
      serviceId: service.id,
      serviceKey: service.serviceKey,
      ...total,
      countsAreEstimates: service.realServers.some((rs) => rs.forwarding !== 'NAT'),
      realServers: perServer.map(({ rs, sum, kernelWeights }) => ({
        realServerId: rs.id,
        address: rs.address,
        port: rs.port,
        forwarding: rs.forwarding,
        configuredWeight: rs.weight,
        adminState: rs.adminState,
        health: rs.health,
        ...sum,
        kernelWeights,
        observedShare: observed.get(rs.id) ?? null,
        configuredShare: configured.get(rs.id) ?? 0,
      })),
    };
  });

  const liveNodes: LiveNode[] = nodes.map((n) => ({
    nodeId: n.id,
    name: n.name,
    role: n.role,
    agentStatus: n.agentStatus,
    appliedGeneration: n.appliedGeneration,
    lastApplyError: n.lastApplyError,
    applyState: applyStateOf(n, cluster.generation),
    driftCount: n.drift?.itemCount ?? 0,
  }));

  const livePairs = pairs.map((pair) => {
    const members = [
      { nodeId: pair.primaryNodeId, priority: pair.primaryPriority },
      ...(pair.secondaryNodeId ? [{ nodeId: pair.secondaryNodeId, priority: pair.secondaryPriority }] : []),
    ];
    const directors: LiveDirector[] = members.map(({ nodeId, priority }) => {
      const node = nodeById.get(nodeId);
      const states = vrrp.filter((v) => v.nodeId === nodeId && pairInstanceMatches(pair.name, v.instance));
      let vrrpState: LiveDirector['vrrpState'] = 'UNKNOWN';
      let since: number | null = null;
      if (states.length > 0) {
        // Dual-stack pairs run two instances; the newest transition is the one the operator needs to see.
        const newest = states.reduce((a, b) => (a.changedAt > b.changedAt ? a : b));
        vrrpState = newest.state;
        since = newest.changedAt.getTime();
      } else if (pair.secondaryNodeId === null && node?.agentStatus === 'CONNECTED') {
        // A lone director holds its VIPs itself, without VRRP.
        vrrpState = 'MASTER';
      }
      // a disconnected agent's last read says nothing about the kernel now
      const syncDaemons = node?.agentStatus === 'CONNECTED' ? latestSyncDaemons(nodeId) : null;
      return { nodeId, name: node?.name ?? nodeId, priority, vrrpState, since, vipsHeld: vrrpState === 'MASTER' ? pair.vips : [], syncDaemons };
    });
    return { pairId: pair.id, name: pair.name, directors };
  });

  return { at: now, generation: cluster.generation, services: liveServices, nodes: liveNodes, pairs: livePairs, drains };
}
