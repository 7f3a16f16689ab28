import { netmaskToPrefix } from '../model/address';
import { destinationKey, serviceKey, type IpvsTable, type SchedulerFlag, type ServiceIdentity, type ServiceSpec, type VirtualService } from '../model/ipvs';
import { addressFamily, type ForwardingMethod, type Scheduler } from '../model/primitives';
import { LineReader, numberLines, tokenize } from './tokens';

/** Which `ipvsadm -L -n` variant produced the text (told apart by the column titles). */
export type ListVariant = 'default' | 'stats' | 'rate' | 'thresholds';

/** Five counters as ipvsadm prints them (--stats: totals; --rate: per second). */
export interface TrafficCounters {
  conns: number;
  inPackets: number;
  outPackets: number;
  inBytes: number;
  outBytes: number;
}

/** A destination row of a listing; which fields are present depends on the variant. */
export interface ListedDestination {
  address: string;
  port: number;
  /** default variant */
  forwarding?: ForwardingMethod;
  weight?: number;
  activeConns?: number;
  inactConns?: number;
  /** thresholds variant (with activeConns/inactConns) */
  upperThreshold?: number;
  lowerThreshold?: number;
  /** stats or rate variant */
  counters?: TrafficCounters;
}

/** A service row of a listing. Attributes are present in the default and thresholds variants. */
export interface ListedService {
  identity: ServiceIdentity;
  key: string;
  scheduler?: Scheduler;
  schedulerFlags?: SchedulerFlag[];
  persistenceTimeout?: number;
  persistencePrefix?: number | null;
  onePacket?: boolean;
  counters?: TrafficCounters;
  destinations: ListedDestination[];
}

/** A parsed `ipvsadm -L -n [--exact] [--stats|--rate|--thresholds]`. */
export interface IpvsListing {
  variant: ListVariant;
  /** "1.2.1" from the first line. */
  version: string;
  /** Connection hash table size from the first line. */
  tableSize: number;
  /** False when counters were abbreviated (K/M/G/T) because --exact was missing. */
  exact: boolean;
  services: ListedService[];
}

const FORWARD_NAMES: Record<string, ForwardingMethod> = { Route: 'DR', Local: 'DR', Tunnel: 'TUN', Masq: 'NAT' };
const UNIT: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/**
 * Parses the listing formats of ipvsadm 1.31 (print_title / print_service_entry):
 *   IP Virtual Server version 1.2.1 (size=4096)
 *   Prot LocalAddress:Port Scheduler Flags
 *     -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
 *   TCP  192.0.2.1:80 sh (sh-fallback,sh-port) persistent 20 mask 255.255.255.0 ops
 *     -> 10.0.0.1:80                  Route   1      0          0
 *   FWM  1 IPv6 rr
 * and the --stats / --rate / --thresholds column sets. Use --exact: abbreviated counters are accepted
 * but flagged (exact=false).
 */
export function parseIpvsadmList(text: string): IpvsListing {
  const lines = numberLines(text);
  const first = lines[0];
  if (!first) throw new LineReader({ line: 0, text: '' }).fail('Empty ipvsadm listing');
  const head = /^IP Virtual Server version (\d+\.\d+\.\d+) \(size=(\d+)\)$/.exec(first.text.trim());
  if (!head) return new LineReader(first).fail('Expected "IP Virtual Server version X.Y.Z (size=N)"');
  const title = lines[1];
  const title2 = lines[2];
  if (!title || !title2) return { variant: 'default', version: head[1] ?? '', tableSize: Number(head[2]), exact: true, services: [] };
  const t = tokenize(title.text);
  let variant: ListVariant;
  if (t.join(' ') === 'Prot LocalAddress:Port Scheduler Flags') variant = 'default';
  else if (t.join(' ') === 'Prot LocalAddress:Port Conns InPkts OutPkts InBytes OutBytes') variant = 'stats';
  else if (t.join(' ') === 'Prot LocalAddress:Port CPS InPPS OutPPS InBPS OutBPS') variant = 'rate';
  else if (t.join(' ') === 'Prot LocalAddress:Port Uthreshold Lthreshold ActiveConn InActConn') variant = 'thresholds';
  else return new LineReader(title).fail('Unknown ipvsadm listing columns');
  if (!title2.text.trim().startsWith('-> RemoteAddress:Port')) new LineReader(title2).fail('Expected the "-> RemoteAddress:Port" title');

  let exact = true;
  const services: ListedService[] = [];
  const seen = new Set<string>();
  const counters = (r: LineReader, tokens: string[]): TrafficCounters => {
    if (tokens.length !== 5) r.fail(`Expected 5 counters, got ${tokens.length}`);
    const v = tokens.map((tok) => {
      const m = /^(\d{1,20})([KMGT]?)$/.exec(tok);
      if (!m) return r.fail(`Bad counter ${JSON.stringify(tok)}`);
      if (m[2]) exact = false;
      return Number(m[1]) * (m[2] ? (UNIT[m[2]] ?? 1) : 1);
    }) as [number, number, number, number, number];
    return { conns: v[0], inPackets: v[1], outPackets: v[2], inBytes: v[3], outBytes: v[4] };
  };

  for (const at of lines.slice(3)) {
    const r: LineReader = new LineReader(at);
    const tokens = tokenize(at.text);
    if (tokens.length === 0) continue;
    if (tokens[0] === '->') {
      const service = services[services.length - 1];
      if (!service) r.fail('Destination before any service');
      const { address, port } = r.addressPort(tokens[1], 'real server');
      const rest = tokens.slice(2);
      const d: ListedDestination = { address, port };
      if (variant === 'default') {
        if (rest.length !== 4) r.fail('Expected Forward Weight ActiveConn InActConn');
        const fwd = FORWARD_NAMES[rest[0] ?? ''];
        if (!fwd) r.fail(`Unknown forwarding ${JSON.stringify(rest[0])}`);
        d.forwarding = fwd;
        d.weight = r.int(rest[1], 'weight', 0, 65535);
        d.activeConns = r.int(rest[2], 'ActiveConn', 0, 4294967295);
        d.inactConns = r.int(rest[3], 'InActConn', 0, 4294967295);
      } else if (variant === 'thresholds') {
        if (rest.length !== 4) r.fail('Expected Uthreshold Lthreshold ActiveConn InActConn');
        d.upperThreshold = r.int(rest[0], 'upper threshold', 0, 4294967295);
        d.lowerThreshold = r.int(rest[1], 'lower threshold', 0, 4294967295);
        d.activeConns = r.int(rest[2], 'ActiveConn', 0, 4294967295);
        d.inactConns = r.int(rest[3], 'InActConn', 0, 4294967295);
      } else d.counters = counters(r, rest);
      if (service.destinations.some((x) => destinationKey(x) === destinationKey(d))) r.fail('Duplicate destination');
      service.destinations.push(d);
      continue;
    }
    const service = parseListedServiceHead(r, tokens, variant === 'stats' || variant === 'rate' ? counters : null);
    if (seen.has(service.key)) r.fail(`Duplicate service ${service.key}`);
    seen.add(service.key);
    services.push(service);
  }
  return { variant, version: head[1] ?? '', tableSize: Number(head[2]), exact, services };
}

function parseListedServiceHead(r: LineReader, tokens: string[], counters: ((r: LineReader, t: string[]) => TrafficCounters) | null): ListedService {
  let identity: ServiceIdentity;
  let i: number;
  if (tokens[0] === 'FWM') {
    const fwmark = r.fwmark(tokens[1]);
    const ipv6 = tokens[2] === 'IPv6';
    identity = { protocol: 'FWMARK', fwmark, family: ipv6 ? 'ipv6' : 'ipv4' };
    i = ipv6 ? 3 : 2;
  } else if (tokens[0] === 'TCP' || tokens[0] === 'UDP') {
    const { address, port } = r.addressPort(tokens[1], 'virtual service');
    identity = { protocol: tokens[0], address, port };
    i = 2;
  } else {
    return r.fail(`Unknown service protocol ${JSON.stringify(tokens[0])}`);
  }
  const service: ListedService = { identity, key: serviceKey(identity), destinations: [] };
  if (counters) {
    service.counters = counters(r, tokens.slice(i));
    return service;
  }
  const family = identity.protocol === 'FWMARK' ? identity.family : addressFamily(identity.address);
  service.scheduler = r.scheduler(tokens[i++]);
  service.schedulerFlags = [];
  service.persistenceTimeout = 0;
  service.persistencePrefix = null;
  service.onePacket = false;
  const flagToken = tokens[i];
  if (flagToken?.startsWith('(')) {
    if (!flagToken.endsWith(')')) r.fail('Unclosed scheduler flags');
    service.schedulerFlags = r.schedulerFlags(flagToken.slice(1, -1));
    i++;
  }
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === 'persistent') service.persistenceTimeout = r.int(tokens[++i], 'persistence timeout', 1, 2147483647);
    else if (t === 'mask') {
      const m = tokens[++i];
      const prefix = family === 'ipv6' ? r.int(m, 'prefix', 1, 128) : m === undefined ? null : netmaskToPrefix(m);
      if (prefix === null) r.fail(`Non-contiguous mask ${JSON.stringify(m ?? '')}`);
      service.persistencePrefix = prefix === (family === 'ipv6' ? 128 : 32) ? null : prefix;
    } else if (t === 'ops') service.onePacket = true;
    else if (t === 'pe') r.fail('Persistence engines are not supported');
    else r.fail(`Unknown service attribute ${JSON.stringify(t)}`);
  }
  return service;
}

/**
 * The table described by a default listing (`ipvsadm -Ln`), with thresholds 0 — or, merged with a
 * thresholds listing of the same moment, complete. Prefer parseIpvsadmSave + mergeThresholds: -S
 * is the format ipvsadm itself reads back.
 */
export function tableFromListing(listing: IpvsListing): IpvsTable {
  if (listing.variant !== 'default') throw new RangeError('tableFromListing needs the default listing (Forward and Weight columns)');
  return {
    services: listing.services.map((s) => ({
      ...(s.identity as ServiceIdentity),
      scheduler: s.scheduler ?? 'wlc',
      schedulerFlags: s.schedulerFlags ?? [],
      persistenceTimeout: s.persistenceTimeout ?? 0,
      persistencePrefix: s.persistencePrefix ?? null,
      onePacket: s.onePacket ?? false,
      destinations: s.destinations.map((d) => ({
        address: d.address,
        port: d.port,
        forwarding: d.forwarding ?? 'DR',
        weight: d.weight ?? 0,
        upperThreshold: 0,
        lowerThreshold: 0,
      })),
    })) as VirtualService[],
  };
}

/**
 * Fills -x/-y into a table read with `ipvsadm -S -n` (which omits them) from `ipvsadm -Ln --thresholds`.
 * Services or destinations missing from the listing (a change between the two reads) keep 0; the next
 * reconcile sees them again.
 */
export function mergeThresholds(table: IpvsTable, thresholds: IpvsListing): IpvsTable {
  if (thresholds.variant !== 'thresholds') throw new RangeError('mergeThresholds needs ipvsadm -Ln --thresholds output');
  const byService = new Map(thresholds.services.map((s) => [s.key, new Map(s.destinations.map((d) => [destinationKey(d), d]))]));
  return {
    services: table.services.map((s) => {
      const rows = byService.get(serviceKey(s));
      return {
        ...s,
        destinations: s.destinations.map((d) => {
          const row = rows?.get(destinationKey(d));
          return row ? { ...d, upperThreshold: row.upperThreshold ?? 0, lowerThreshold: row.lowerThreshold ?? 0 } : d;
        }),
      } as VirtualService;
    }),
  };
}

/** The service attributes of a listed service, for callers comparing listings with specs. */
export function listedServiceSpec(s: ListedService): ServiceSpec | null {
  if (s.scheduler === undefined) return null;
  return { ...s.identity, scheduler: s.scheduler, schedulerFlags: s.schedulerFlags ?? [], persistenceTimeout: s.persistenceTimeout ?? 0, persistencePrefix: s.persistencePrefix ?? null, onePacket: s.onePacket ?? false } as ServiceSpec;
}
