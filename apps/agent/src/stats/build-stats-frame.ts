import { destinationKey } from '@fulcrum/lvs/model/ipvs';
import type { ProcConnection, ProcService } from '@fulcrum/lvs/parse/parse-proc-ip-vs';
import { PROTOCOL_VERSION, type DestinationStats, type ServiceStats, type StatsFrame, type SyncDaemon } from '@fulcrum/protocol/frames';
import { ZERO_RATES, type Rates } from './compute-rates';

/** Persistence templates per "service-key destination-key", from /proc/net/ip_vs_conn. */
export function countPersistenceTemplates(connections: readonly ProcConnection[], services: readonly ProcService[]): Map<string, number> {
  // a template is an entry of protocol "IP" (client port 0 for per-client persistence); it names the
  // virtual address:port and the destination, which identifies the service (TCP or UDP on that address)
  const byVirtual = new Map<string, string[]>();
  for (const s of services) {
    if (s.identity.protocol === 'FWMARK' || s.persistence === null) continue;
    const v = destinationKey({ address: s.identity.address, port: s.identity.port });
    byVirtual.set(v, [...(byVirtual.get(v) ?? []), s.key]);
  }
  const counts = new Map<string, number>();
  for (const c of connections) {
    if (c.protocol !== 'IP') continue;
    const keys = byVirtual.get(destinationKey(c.virtual));
    if (!keys) continue;
    const d = destinationKey(c.destination);
    for (const key of keys) {
      const k = `${key} ${d}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return counts;
}

/** Builds a stats frame from /proc/net/ip_vs (live counts), the latest rates and template counts. */
export function buildStatsFrame(input: {
  sampledAt: number;
  services: readonly ProcService[];
  /** Rates by service key and by "service-key destination-key". */
  rates: ReadonlyMap<string, Rates>;
  templates: ReadonlyMap<string, number>;
  kernelTable?: string;
  /** The kernel's sync daemons read with this sample; null = the read failed. */
  syncDaemons?: SyncDaemon[] | null;
}): StatsFrame {
  const services: ServiceStats[] = [];
  const destinations: DestinationStats[] = [];
  for (const s of input.services) {
    const key = s.key.slice(0, 80);
    let active = 0;
    let inactive = 0;
    for (const d of s.destinations) {
      const dKey = destinationKey(d);
      const rates = input.rates.get(`${s.key} ${dKey}`) ?? ZERO_RATES;
      active += d.activeConns;
      inactive += d.inactConns;
      destinations.push({
        serviceKey: key,
        destinationKey: dKey.slice(0, 60),
        weight: d.weight,
        activeConn: d.activeConns,
        inactConn: d.inactConns,
        persistConn: input.templates.get(`${s.key} ${dKey}`) ?? 0,
        ...rates,
      });
    }
    services.push({ serviceKey: key, activeConn: active, inactConn: inactive, ...(input.rates.get(s.key) ?? ZERO_RATES) });
  }
  return {
    v: PROTOCOL_VERSION,
    type: 'stats',
    sampledAt: input.sampledAt,
    services,
    destinations,
    ...(input.kernelTable !== undefined ? { kernelTable: input.kernelTable } : {}),
    ...(input.syncDaemons !== undefined ? { syncDaemons: input.syncDaemons } : {}),
  };
}
