// live.history: per real server of a service, counters summed over the pair's directors —
// 15 min from the in-memory 1 s window, 1 h / 24 h from the minute rows in Postgres — with the marks
// an operator needs to read the graph: weight edits, drains, restores, maintenance, failovers and
// failed applies.
import { destinationKey } from '@fulcrum/lvs/model/ipvs';
import type { Db } from '../db';
import { kernelServiceKey } from '../desired-state/compile-snapshot-from-rows';
import { drainLabel } from '../drain/drain-jobs';
import { AppError } from '../errors/app-error';
import { getLiveStatsStore, type LiveStatsStore } from '../stats/live-stats-store';
import type { AnnotationKind, HistoryPoint, HistoryRange, LiveHistory } from './live-schemas';

const RANGE_MS: Record<HistoryRange, number> = { '15m': 15 * 60_000, '1h': 60 * 60_000, '24h': 24 * 60 * 60_000 };

/** Audit actions on a real server that mark the graph, by kind. */
const AUDIT_KINDS: Record<string, AnnotationKind> = {
  'realServer.setWeight': 'weight',
  'realServer.update': 'weight',
  'realServer.adoptDrift': 'weight',
  'drain.start': 'drain',
  'drain.drained': 'drain',
  'drain.timedOut': 'drain',
  'drain.force': 'drain',
  'drain.restore': 'restore',
  'realServer.setMaintenance': 'maint',
};

/** Adds one director's point into the per-time sum of a series. */
function addPoint(into: Map<number, HistoryPoint>, t: number, p: Omit<HistoryPoint, 't'>): void {
  const seen = into.get(t);
  if (!seen) into.set(t, { t, ...p });
  else {
    seen.activeConn += p.activeConn;
    seen.inactConn += p.inactConn;
    seen.connsPerSec += p.connsPerSec;
    seen.bytesPerSec += p.bytesPerSec;
  }
}

/** The history of one service's real servers over a range, with annotations. */
export async function getServiceHistory(options: { db: Db; clusterId: string; serviceId: string; range: HistoryRange; store?: LiveStatsStore; now?: number }): Promise<LiveHistory> {
  const { db, range } = options;
  const store = options.store ?? getLiveStatsStore();
  const now = options.now ?? Date.now();
  const since = now - RANGE_MS[range];
  const service = await db.virtualService.findUnique({
    where: { id: options.serviceId },
    select: {
      clusterId: true,
      serviceKey: true,
      protocol: true,
      address: true,
      port: true,
      fwmark: true,
      haPair: { select: { name: true, vips: true, primaryNodeId: true, secondaryNodeId: true } },
      realServers: { orderBy: [{ address: 'asc' }, { port: 'asc' }], select: { id: true, address: true, port: true } },
    },
  });
  if (!service || service.clusterId !== options.clusterId) throw new AppError('NOT_FOUND', 'That virtual service does not exist in this cluster');
  const pair = service.haPair;
  const directors = [pair.primaryNodeId, ...(pair.secondaryNodeId ? [pair.secondaryNodeId] : [])];
  const kernelKey = kernelServiceKey({ ...service, fwmark: service.fwmark === null ? null : Number(service.fwmark) }, pair);

  const series = [];
  for (const rs of service.realServers) {
    const key = destinationKey(rs);
    const points = new Map<number, HistoryPoint>();
    for (const nodeId of directors) {
      if (range === '15m') {
        for (const p of store.window(nodeId, kernelKey, key, since)) {
          addPoint(points, p.at, { activeConn: p.activeConn, inactConn: p.inactConn, connsPerSec: p.connsPerSec, bytesPerSec: p.bytesInPerSec + p.bytesOutPerSec });
        }
      } else {
        const rows = await db.statSample.findMany({
          where: { nodeId, serviceKey: kernelKey, destinationKey: key, bucketStart: { gte: new Date(since) } },
          orderBy: { bucketStart: 'asc' },
          select: { bucketStart: true, activeConnAvg: true, inactConnAvg: true, connsPerSecAvg: true, bytesInPerSecAvg: true, bytesOutPerSecAvg: true },
        });
        for (const r of rows) {
          addPoint(points, r.bucketStart.getTime(), { activeConn: r.activeConnAvg, inactConn: r.inactConnAvg, connsPerSec: r.connsPerSecAvg, bytesPerSec: r.bytesInPerSecAvg + r.bytesOutPerSecAvg });
        }
      }
    }
    series.push({ realServerId: rs.id, label: drainLabel(rs, service.serviceKey), points: [...points.values()].sort((a, b) => a.t - b.t) });
  }

  const [audits, events] = await Promise.all([
    db.auditEvent.findMany({
      where: { objectType: 'RealServer', objectId: { in: service.realServers.map((r) => r.id) }, action: { in: Object.keys(AUDIT_KINDS) }, createdAt: { gte: new Date(since) } },
      orderBy: { createdAt: 'asc' },
      take: 500,
      select: { action: true, summary: true, actorName: true, createdAt: true },
    }),
    db.nodeEvent.findMany({
      where: { nodeId: { in: directors }, at: { gte: new Date(since) }, OR: [{ kind: 'VRRP' }, { kind: 'APPLY', severity: 'ERROR' }] },
      orderBy: { at: 'asc' },
      take: 500,
      select: { kind: true, message: true, at: true, node: { select: { name: true } } },
    }),
  ]);
  const annotations = [
    ...audits.map((a) => ({ at: a.createdAt.getTime(), kind: AUDIT_KINDS[a.action] ?? ('weight' as AnnotationKind), label: `${a.actorName}: ${a.summary}` })),
    ...events.map((e) => ({ at: e.at.getTime(), kind: (e.kind === 'VRRP' ? 'failover' : 'apply-error') as AnnotationKind, label: `${e.node.name}: ${e.message}` })),
  ].sort((a, b) => a.at - b.at);
  return { series, annotations };
}
