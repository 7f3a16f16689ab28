import type { Db } from '../db';
import { kernelServiceKey } from '../desired-state/compile-snapshot-from-rows';
import { destinationKey } from '@fulcrum/lvs/model/ipvs';
import { getLiveStatsStore, LIVE_STALE_MS, type LiveStatsStore } from './live-stats-store';
import type { LiveField, LiveSample } from './ring-series';

// Every VRRP pair runs the connection-sync daemon, so a BACKUP's table mirrors the MASTER's
// connections: summing ActiveConn/InActConn over directors would count each connection twice. The
// largest count is the estate's (after a failover the new MASTER holds the synced ones too). Rates
// count only packets a director itself forwarded, so they add up.
const COUNTED: LiveField[] = ['activeConn', 'inactConn'];
const SUMMED: LiveField[] = ['connsPerSec', 'packetsInPerSec', 'packetsOutPerSec', 'bytesInPerSec', 'bytesOutPerSec'];

const zero = (): LiveSample => ({ activeConn: 0, inactConn: 0, connsPerSec: 0, packetsInPerSec: 0, packetsOutPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0 });

function addInto(total: LiveSample, sample: LiveSample): void {
  for (const field of COUNTED) total[field] = Math.max(total[field], sample[field]);
  for (const field of SUMMED) total[field] += sample[field];
}

/**
 * The latest counters of every service and real server of a cluster over the directors of its pair:
 * connection counts as the largest any director holds (sync mirrors them), rates summed. A director whose latest sample
 * is older than LIVE_STALE_MS is left out (and listed as not reporting).
 */
export async function liveServiceStats(options: { db: Db; clusterId: string; store?: LiveStatsStore; now?: number }) {
  const store = options.store ?? getLiveStatsStore();
  const now = options.now ?? Date.now();
  const [pairs, services] = await Promise.all([
    options.db.haPair.findMany({ where: { clusterId: options.clusterId }, select: { id: true, primaryNodeId: true, secondaryNodeId: true, vips: true } }),
    options.db.virtualService.findMany({
      where: { clusterId: options.clusterId },
      orderBy: { serviceKey: 'asc' },
      select: {
        id: true,
        haPairId: true,
        serviceKey: true,
        protocol: true,
        address: true,
        port: true,
        fwmark: true,
        realServers: { orderBy: [{ address: 'asc' }, { port: 'asc' }], select: { id: true, address: true, port: true } },
      },
    }),
  ]);
  const pairById = new Map(pairs.map((p) => [p.id, p]));
  const fresh = <T extends { at: number }>(value: T | null): T | null => (value && now - value.at <= LIVE_STALE_MS ? value : null);

  return {
    at: new Date(now),
    services: services.map((service) => {
      const pair = pairById.get(service.haPairId);
      const directors = pair ? [pair.primaryNodeId, ...(pair.secondaryNodeId ? [pair.secondaryNodeId] : [])] : [];
      const kernelKey = kernelServiceKey({ ...service, fwmark: service.fwmark === null ? null : Number(service.fwmark) }, pair);
      const total = zero();
      const reporting: string[] = [];
      for (const nodeId of directors) {
        const latest = fresh(store.latest(nodeId, kernelKey, null));
        if (!latest) continue;
        reporting.push(nodeId);
        addInto(total, latest);
      }
      return {
        serviceId: service.id,
        serviceKey: service.serviceKey,
        kernelKey,
        directors: directors.map((nodeId) => ({ nodeId, reporting: reporting.includes(nodeId) })),
        ...total,
        realServers: service.realServers.map((rs) => {
          const sum = zero();
          const kernelWeights: Array<{ nodeId: string; weight: number | null }> = [];
          for (const nodeId of directors) {
            const latest = fresh(store.latest(nodeId, kernelKey, destinationKey(rs)));
            if (!latest) continue;
            addInto(sum, latest);
            kernelWeights.push({ nodeId, weight: latest.weight });
          }
          return { realServerId: rs.id, destinationKey: destinationKey(rs), ...sum, kernelWeights };
        }),
      };
    }),
  };
}
