// The pure half of the desired-state compiler: plain cluster rows in, one node's snapshot out.
// No database and no clock here, so every rule is unit-tested on literal rows.
import type { InterfaceAddress } from '@fulcrum/lvs/commands/ip';
import type { KeepalivedConfigInput, VrrpInstance } from '@fulcrum/lvs/keepalived/model';
import { destinationKey, serviceKey, type AddressFamily, type VirtualService } from '@fulcrum/lvs/model/ipvs';
import { addressFamily } from '@fulcrum/lvs/model/primitives';
import type { z } from 'zod';
import type { HealthCheck, NodeSnapshot, RealServerVip } from '@fulcrum/protocol/snapshot';

/** A node as the compiler needs it. */
export type NodeRow = { id: string; name: string; role: 'DIRECTOR' | 'REAL_SERVER' };

/** An HA pair as the compiler needs it (the VRRP secret included: it goes to the pair's own directors only). */
export type PairRow = {
  id: string;
  name: string;
  interface: string;
  virtualRouterId: number;
  advertInterval: number;
  authSecret: string | null;
  primaryNodeId: string;
  primaryPriority: number;
  secondaryNodeId: string | null;
  secondaryPriority: number;
  primaryUnicastIp: string | null;
  secondaryUnicastIp: string | null;
  vips: string[];
  natGatewayIp: string | null;
  /** Effective (pair override, else cluster) "prevent port-reuse leaks": conn_reuse_mode=3 on the pair's directors. */
  preventPortReuseLeaks?: boolean;
};

/** A real server row. */
export type RealServerRow = {
  id: string;
  nodeId: string | null;
  address: string;
  port: number;
  weight: number;
  forwarding: 'DR' | 'TUN' | 'NAT';
  adminState: 'READY' | 'DRAINING' | 'DRAINED' | 'MAINT';
  upperThreshold: number | null;
  lowerThreshold: number | null;
  /** An unrestored drain of this server asked to expire persistence templates. */
  expirePersistence?: boolean;
};

/** A virtual service row with its real servers. */
export type ServiceRow = {
  id: string;
  haPairId: string;
  protocol: 'TCP' | 'UDP' | 'FWMARK';
  address: string | null;
  port: number | null;
  fwmark: number | null;
  /** The estate's key ("TCP 192.0.2.1:80", "FWMARK 7"), kept to name the service in issues. */
  serviceKey: string;
  scheduler: string;
  schedulerFlags: string[];
  persistenceTimeout: number;
  persistenceNetmask: number | null;
  healthCheckKind: 'NONE' | 'TCP' | 'HTTP';
  healthCheckHttpPath: string;
  healthCheckHttpExpectStatus: number;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  healthCheckRise: number;
  healthCheckFall: number;
  realServers: RealServerRow[];
};

/** Everything of one cluster the compiler reads, at one generation. */
export type ClusterRows = { clusterId: string; generation: number; nodes: NodeRow[]; pairs: PairRow[]; services: ServiceRow[] };

/** Something an operator must fix (error) or should know (warning); the snapshot is still valid. */
export type CompileIssue = { severity: 'error' | 'warning'; objectType: 'HaPair' | 'VirtualService' | 'RealServer' | 'Node'; objectId: string; message: string };

/** Which reports this node may make: the kernel keys of its services/destinations and its VRRP instances. */
export type ReportableKeys = {
  /** IPVS service key (lvs `serviceKey`) → the service row and its destinations (lvs `destinationKey` → real server ids). */
  services: Record<string, { serviceId: string; destinations: Record<string, string[]> }>;
  vrrpInstances: string[];
};

/** The compiler's output before schema validation. */
export type CompiledRows = { generation: number; node: z.input<typeof NodeSnapshot>; issues: CompileIssue[]; reportable: ReportableKeys };

/** Thrown when the rows name a node that is not in them: a caller bug, not an operator's. */
export class UnknownNodeError extends Error {
  constructor(nodeId: string) {
    super(`Node ${nodeId} is not part of the loaded cluster`);
    this.name = 'UnknownNodeError';
  }
}

/** Kernel weight the snapshot asks for: the configured weight only for READY servers; drains and maintenance get 0. */
export function effectiveWeight(rs: Pick<RealServerRow, 'weight' | 'adminState'>): number {
  return rs.adminState === 'READY' ? rs.weight : 0;
}

/** Address family of a firewall-mark service, which the estate does not store: its real servers', else its pair's VIPs', else IPv4. */
export function fwmarkFamily(service: { realServers: Array<{ address: string }> }, pair: Pick<PairRow, 'vips'> | undefined): AddressFamily {
  const first = service.realServers[0]?.address ?? pair?.vips[0];
  return first !== undefined ? addressFamily(first) : 'ipv4';
}

/** The kernel key (as agents report it in stats and health frames) of a service row. */
export function kernelServiceKey(service: Pick<ServiceRow, 'protocol' | 'address' | 'port' | 'fwmark'> & { realServers: Array<{ address: string }> }, pair: Pick<PairRow, 'vips'> | undefined): string {
  if (service.protocol === 'FWMARK') return serviceKey({ protocol: 'FWMARK', fwmark: service.fwmark ?? 0, family: fwmarkFamily(service, pair) });
  return serviceKey({ protocol: service.protocol, address: service.address ?? '', port: service.port ?? 0 });
}

/** A keepalived-safe token from a pair or node name (names may hold spaces; keepalived names may not). */
export function keepalivedName(name: string, suffix = ''): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return `${(cleaned || 'x').slice(0, 63 - suffix.length)}${suffix}`;
}

const hostPrefix = (address: string) => (addressFamily(address) === 'ipv6' ? 128 : 32);

/**
 * With the default conn_reuse_mode=1, a client reusing a source port whose entry is still in the
 * connection table is sent to that entry's server: in the lab a drained DR server kept getting such
 * requests for up to 37 s after the drain (14 in a control run); with 3 none leaked.
 */
export const CONN_REUSE_MODE_NO_LEAKS = { key: 'net.ipv4.vs.conn_reuse_mode', value: 3 } as const;

/**
 * Persistence templates keep sending a sticky client to its server even at weight 0; with this set
 * the kernel expires a template whose destination is quiescent when it is next used, so the drain
 * really stops new connections for persistent services.
 */
export const EXPIRE_QUIESCENT_TEMPLATE = { key: 'net.ipv4.vs.expire_quiescent_template', value: 1 } as const;

/** The node's desired state from its cluster's rows. Pure; validate the result with NodeSnapshot before sending it. */
export function compileSnapshotFromRows(rows: ClusterRows, nodeId: string): CompiledRows {
  const node = rows.nodes.find((n) => n.id === nodeId);
  if (!node) throw new UnknownNodeError(nodeId);
  return node.role === 'DIRECTOR' ? compileDirector(rows, node) : compileRealServer(rows, node);
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function compileDirector(rows: ClusterRows, node: NodeRow): CompiledRows {
  const issues: CompileIssue[] = [];
  const reportable: ReportableKeys = { services: {}, vrrpInstances: [] };
  const pairs = rows.pairs.filter((p) => p.primaryNodeId === node.id || p.secondaryNodeId === node.id).sort(byName);
  const pairById = new Map(pairs.map((p) => [p.id, p]));

  const services: Array<{ key: string; value: z.input<typeof VirtualService> }> = [];
  let expirePersistence = false;
  const healthChecks: z.input<typeof HealthCheck>[] = [];
  for (const service of rows.services) {
    const pair = pairById.get(service.haPairId);
    if (!pair) continue;
    const key = kernelServiceKey(service, pair);
    if (service.realServers.some((rs) => rs.expirePersistence === true)) expirePersistence = true;
    const destinations = service.realServers.map((rs) => ({
      address: rs.address,
      port: rs.port,
      forwarding: rs.forwarding,
      weight: effectiveWeight(rs),
      upperThreshold: rs.upperThreshold ?? 0,
      lowerThreshold: rs.lowerThreshold ?? 0,
    }));
    const attributes = {
      scheduler: service.scheduler as z.input<typeof VirtualService>['scheduler'],
      schedulerFlags: service.schedulerFlags as z.input<typeof VirtualService>['schedulerFlags'],
      persistenceTimeout: service.persistenceTimeout,
      persistencePrefix: service.persistenceTimeout > 0 ? service.persistenceNetmask : null,
      onePacket: false,
      destinations,
    };
    const value: z.input<typeof VirtualService> =
      service.protocol === 'FWMARK'
        ? { protocol: 'FWMARK', fwmark: service.fwmark ?? 0, family: fwmarkFamily(service, pair), ...attributes }
        : { protocol: service.protocol, address: service.address ?? '', port: service.port ?? 0, ...attributes };
    services.push({ key, value });

    const destinationIndex: Record<string, string[]> = {};
    for (const rs of service.realServers) (destinationIndex[destinationKey(rs)] ??= []).push(rs.id);
    reportable.services[key] = { serviceId: service.id, destinations: destinationIndex };

    if (service.healthCheckKind === 'NONE') continue;
    for (const rs of service.realServers) {
      if (rs.port === 0) {
        issues.push({ severity: 'warning', objectType: 'RealServer', objectId: rs.id, message: `${rs.address} in ${service.serviceKey} has no port, so it is not health-checked` });
        continue;
      }
      healthChecks.push({
        serviceKey: key,
        destinationKey: destinationKey(rs),
        address: rs.address,
        port: rs.port,
        kind: service.healthCheckKind,
        httpPath: service.healthCheckHttpPath,
        httpExpectStatus: service.healthCheckHttpExpectStatus,
        intervalMs: service.healthCheckIntervalMs,
        timeoutMs: service.healthCheckTimeoutMs,
        rise: service.healthCheckRise,
        fall: service.healthCheckFall,
      });
    }
  }
  services.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const instances: z.input<typeof VrrpInstance>[] = [];
  const addresses: InterfaceAddress[] = [];
  const labelsUsed = new Map<string, number>();
  const names = new Set<string>();
  for (const pair of pairs) {
    if (pair.vips.length === 0) {
      issues.push({ severity: 'warning', objectType: 'HaPair', objectId: pair.id, message: `HA pair ${pair.name} carries no VIPs` });
      continue;
    }
    if (pair.secondaryNodeId === null) {
      // A lone director holds its VIPs itself: no VRRP peer to hand them to.
      for (const vip of pair.vips) {
        const address: InterfaceAddress = { address: vip, prefix: hostPrefix(vip), dev: pair.interface };
        if (addressFamily(vip) === 'ipv4') {
          const n = labelsUsed.get(pair.interface) ?? 0;
          labelsUsed.set(pair.interface, n + 1);
          const label = `${pair.interface}:${n}`;
          if (label.length <= 15) address.label = label; // ip refuses longer labels; the address works without one
        }
        addresses.push(address);
      }
      continue;
    }
    const isPrimary = pair.primaryNodeId === node.id;
    for (const family of ['ipv4', 'ipv6'] as const) {
      const vips = pair.vips.filter((v) => addressFamily(v) === family);
      if (vips.length === 0) continue;
      // VRRPv3 is needed for IPv6 and for sub-second adverts; v2 otherwise, because only v2 has PASS auth.
      const version = family === 'ipv6' || !Number.isInteger(pair.advertInterval) ? 3 : 2;
      const hasOtherFamily = pair.vips.some((v) => addressFamily(v) !== family);
      let name = keepalivedName(pair.name, family === 'ipv6' && hasOtherFamily ? '-v6' : '');
      for (let n = 2; names.has(name); n++) name = keepalivedName(pair.name, `-${n}`);
      names.add(name);
      if (version === 3 && pair.authSecret !== null && family === 'ipv4') {
        issues.push({ severity: 'warning', objectType: 'HaPair', objectId: pair.id, message: `HA pair ${pair.name}: sub-second adverts need VRRPv3, which has no authentication; the secret is not used` });
      }
      const unicastFits = pair.primaryUnicastIp !== null && pair.secondaryUnicastIp !== null && addressFamily(pair.primaryUnicastIp) === family;
      if (pair.primaryUnicastIp !== null && !unicastFits) {
        issues.push({ severity: 'warning', objectType: 'HaPair', objectId: pair.id, message: `HA pair ${pair.name}: the unicast addresses are IPv4, so the IPv6 VIPs use multicast VRRP` });
      }
      instances.push({
        name,
        // Primary starts as MASTER so it takes the VIPs at once instead of after the master-down timer;
        // priorities always differ (the estate enforces it), so the outcome is the same either way.
        state: isPrimary ? 'MASTER' : 'BACKUP',
        interface: pair.interface,
        virtualRouterId: pair.virtualRouterId,
        priority: isPrimary ? pair.primaryPriority : pair.secondaryPriority,
        advertInterval: pair.advertInterval,
        vrrpVersion: version,
        authPass: version === 2 ? pair.authSecret : null,
        virtualIpAddresses: vips.map((address) => ({ address, prefix: hostPrefix(address), dev: pair.interface })),
        unicastSourceIp: unicastFits ? (isPrimary ? pair.primaryUnicastIp : pair.secondaryUnicastIp) : null,
        unicastPeers: unicastFits ? [(isPrimary ? pair.secondaryUnicastIp : pair.primaryUnicastIp) as string] : [],
        noPreempt: false,
      });
    }
  }
  reportable.vrrpInstances = instances.map((i) => i.name);

  const first = instances[0];
  const keepalived: KeepalivedConfigInput | null =
    first === undefined
      ? null
      : {
          routerId: keepalivedName(node.name),
          // The agent points keepalived at its own FIFO: the server does not know the host's paths.
          notifyFifo: null,
          vrrpNotifyFifo: null,
          syncDaemon: { interface: first.interface, instance: first.name, syncId: null },
          instances,
          virtualServers: [],
        };

  return {
    generation: rows.generation,
    node: { role: 'DIRECTOR', ipvs: { services: services.map((s) => s.value) }, keepalived, addresses, sysctls: directorSysctls(pairs, expirePersistence), healthChecks },
    issues,
    reportable,
  };
}

/**
 * Sysctls a director gets beyond its host plan. Both are per network namespace (global to the
 * director), so one pair asking is enough. expire_quiescent_template is set only while a drain that
 * asked for it is in effect (until restore) rather than for good: it changes persistence for every
 * service on the director, including servers a health check quiesces, and the agent puts back the
 * host's own value once no snapshot wants it — so a drain's choice does not outlive the drain.
 */
function directorSysctls(pairs: PairRow[], expirePersistence: boolean): Array<{ key: string; value: number }> {
  const sysctls: Array<{ key: string; value: number }> = [];
  if (pairs.some((p) => p.preventPortReuseLeaks === true)) sysctls.push({ ...CONN_REUSE_MODE_NO_LEAKS });
  if (expirePersistence) sysctls.push({ ...EXPIRE_QUIESCENT_TEMPLATE });
  return sysctls;
}

function compileRealServer(rows: ClusterRows, node: NodeRow): CompiledRows {
  const issues: CompileIssue[] = [];
  const pairById = new Map(rows.pairs.map((p) => [p.id, p]));
  const vips = new Map<string, z.input<typeof RealServerVip>>();
  for (const service of rows.services) {
    const pair = pairById.get(service.haPairId);
    for (const rs of service.realServers) {
      if (rs.nodeId !== node.id) continue;
      const family = addressFamily(rs.address);
      // A firewall-mark service has no address of its own: the host must accept every VIP of the pair it marks traffic for.
      const addresses = service.address !== null ? [service.address] : (pair?.vips ?? []).filter((v) => addressFamily(v) === family);
      let gateway: string | null = null;
      if (rs.forwarding === 'NAT') {
        gateway = pair?.natGatewayIp ?? null;
        if (gateway === null) {
          issues.push({
            severity: 'error',
            objectType: 'RealServer',
            objectId: rs.id,
            message: `${rs.address} in ${service.serviceKey} uses NAT, but HA pair ${pair?.name ?? '?'} has no NAT gateway address: set one on the pair`,
          });
        }
      }
      for (const address of addresses) {
        const vip = { address, forwarding: rs.forwarding, gateway };
        vips.set(`${address} ${rs.forwarding} ${gateway ?? ''}`, vip);
      }
    }
  }
  const sorted = [...vips.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { generation: rows.generation, node: { role: 'REAL_SERVER', vips: sorted }, issues, reportable: { services: {}, vrrpInstances: [] } };
}
