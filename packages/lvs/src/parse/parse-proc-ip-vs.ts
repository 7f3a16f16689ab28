import { canonicalizeAddress, hexToIpv4, prefixOfMaskBits } from '../model/address';
import { serviceKey, type ServiceIdentity } from '../model/ipvs';
import { type ForwardingMethod, type Scheduler } from '../model/primitives';
import { LineReader, numberLines, tokenize } from './tokens';

/** A destination row of /proc/net/ip_vs: live weight and connection counts. */
export interface ProcDestination {
  address: string;
  port: number;
  forwarding: ForwardingMethod;
  weight: number;
  activeConns: number;
  inactConns: number;
}

/** A service row of /proc/net/ip_vs. */
export interface ProcService {
  identity: ServiceIdentity;
  key: string;
  scheduler: Scheduler;
  /** True when the line says "ops". The kernel prints it for IPv4 and fwmark services only: IPv6 address services read false. */
  onePacket: boolean;
  /**
   * Persistence as the kernel stores it: the timeout in jiffies (seconds × CONFIG_HZ, which userspace
   * cannot know) and the raw netmask word; null when not persistent. Read seconds from ipvsadm -S.
   * For IPv4 the word is the mask (FFFFFF00 = /24). For IPv6 the kernel keeps the prefix length as a
   * host-order integer and prints ntohl() of it, so on little-endian hosts /64 reads 40000000 and /128
   * 80000000 (seen on the lab's kernel); ipv4Prefix is null for IPv6 services (and for fwmark services
   * without IPv6 destinations the family, hence the meaning of the word, is unknowable from here).
   */
  persistence: { timeoutJiffies: number; netmaskRaw: number; ipv4Prefix: number | null } | null;
  destinations: ProcDestination[];
}

const FORWARD_NAMES: Record<string, ForwardingMethod> = { Route: 'DR', Local: 'DR', Tunnel: 'TUN', Masq: 'NAT' };

/** "C0000201:0050" (IPv4, host-order hex) or "[2001:0db8:…]:0050" (IPv6, %pI6 full form). */
function procAddressPort(r: LineReader, token: string | undefined): { address: string; port: number } {
  const v6 = token === undefined ? null : /^\[([0-9a-fA-F:]+)\]:([0-9A-Fa-f]{4})$/.exec(token);
  if (v6) return { address: r.address(v6[1], 'IPv6'), port: parseInt(v6[2] ?? '0', 16) };
  const v4 = token === undefined ? null : /^([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})$/.exec(token);
  if (!v4) return r.fail(`Expected HEXADDR:HEXPORT, got ${JSON.stringify(token ?? '')}`);
  return { address: hexToIpv4(v4[1] ?? '') ?? r.fail('Bad IPv4 hex'), port: parseInt(v4[2] ?? '0', 16) };
}

/**
 * Parses /proc/net/ip_vs (ip_vs_info_seq_show): cheap to read every second for weights and
 * ActiveConn/InActConn of every destination.
 *   TCP  C0000201:0050 wrr ops persistent 6000 FFFFFF00
 *     -> 0A000001:0050      Route   1      0          0
 *   FWM  00000001 rr
 *   UDP  [2001:0db8:0000:0000:0000:0000:0000:0001]:0035 rr
 * Kernels before 5.x print "wrr ops " and later "wrr ops": both tokenize the same.
 * Verified against the lab's 6.1 kernel: services come in hash order and destinations newest first; the IPv6
 * branch of the kernel's printer omits "ops"; and the file is not a snapshot: it is produced a page per read(),
 * re-positioned by index, so a read racing with adds/deletes can skip or repeat a service (seen while an
 * `ipvsadm -R` batch ran: 1 of ≈25,000 reads missed a service that never left). Diff from ipvsadm -S only.
 */
export function parseProcIpVs(text: string): ProcService[] {
  const lines = numberLines(text);
  const [v, t1, t2] = lines;
  if (!v || !/^IP Virtual Server version \d+\.\d+\.\d+ \(size=\d+\)$/.test(v.text.trim())) new LineReader(v ?? { line: 1, text: '' }).fail('Expected the IP Virtual Server version line');
  if (!t1 || tokenize(t1.text).join(' ') !== 'Prot LocalAddress:Port Scheduler Flags') new LineReader(t1 ?? { line: 2, text: '' }).fail('Expected the column titles');
  if (!t2 || !t2.text.trim().startsWith('-> RemoteAddress:Port')) new LineReader(t2 ?? { line: 3, text: '' }).fail('Expected the destination titles');
  const services: ProcService[] = [];
  for (const at of lines.slice(3)) {
    const r: LineReader = new LineReader(at);
    const tokens = tokenize(at.text);
    if (tokens.length === 0) continue;
    if (tokens[0] === '->') {
      const service = services[services.length - 1];
      if (!service) r.fail('Destination before any service');
      if (tokens.length !== 6) r.fail('Expected -> ADDR:PORT Forward Weight ActiveConn InActConn');
      const { address, port } = procAddressPort(r, tokens[1]);
      const forwarding = FORWARD_NAMES[tokens[2] ?? ''] ?? r.fail(`Unknown forwarding ${JSON.stringify(tokens[2])}`);
      service.destinations.push({
        address,
        port,
        forwarding,
        weight: r.int(tokens[3], 'weight', 0, 65535),
        activeConns: r.int(tokens[4], 'ActiveConn', 0, 4294967295),
        inactConns: r.int(tokens[5], 'InActConn', 0, 4294967295),
      });
      continue;
    }
    let identity: ServiceIdentity;
    if (tokens[0] === 'FWM') {
      // The kernel line does not say the family of a fwmark service; IPv6 ones are told apart by their destinations.
      identity = { protocol: 'FWMARK', fwmark: r.hex(tokens[1], 'firewall mark', 8), family: 'ipv4' };
    } else if (tokens[0] === 'TCP' || tokens[0] === 'UDP') {
      const { address, port } = procAddressPort(r, tokens[1]);
      identity = { protocol: tokens[0], address, port };
    } else {
      return r.fail(`Unknown service protocol ${JSON.stringify(tokens[0])}`);
    }
    const scheduler = r.scheduler(tokens[2]);
    let i = 3;
    let onePacket = false;
    if (tokens[i] === 'ops') {
      onePacket = true;
      i++;
    }
    let persistence: ProcService['persistence'] = null;
    if (tokens[i] === 'persistent') {
      const timeoutJiffies = r.int(tokens[i + 1], 'persistence jiffies', 0, 2 ** 53);
      const netmaskRaw = r.hex(tokens[i + 2], 'netmask', 8);
      persistence = { timeoutJiffies, netmaskRaw, ipv4Prefix: identity.protocol !== 'FWMARK' && identity.address.includes(':') ? null : prefixOfMaskBits(netmaskRaw) };
      i += 3;
    }
    if (i !== tokens.length) r.fail(`Unexpected ${JSON.stringify(tokens.slice(i).join(' '))}`);
    services.push({ identity, key: serviceKey(identity), scheduler, onePacket, persistence, destinations: [] });
  }
  // fwmark services whose destinations are IPv6 are IPv6 services; their netmask word is a prefix length,
  // not an IPv4 mask (the lab's 6.1 kernel prints /128 as 80000000, which would read as an IPv4 /1)
  for (const s of services) {
    if (s.identity.protocol === 'FWMARK' && s.destinations.some((d) => d.address.includes(':'))) {
      s.identity = { ...s.identity, family: 'ipv6' };
      s.key = serviceKey(s.identity);
      if (s.persistence) s.persistence = { ...s.persistence, ipv4Prefix: null };
    }
  }
  return services;
}

/** Global IPVS counters from /proc/net/ip_vs_stats: totals since load and the kernel's rate estimates. */
export interface ProcIpVsStats {
  totals: { conns: number; inPackets: number; outPackets: number; inBytes: number; outBytes: number };
  rates: { connsPerSecond: number; inPacketsPerSecond: number; outPacketsPerSecond: number; inBytesPerSecond: number; outBytesPerSecond: number };
}

/**
 * Parses /proc/net/ip_vs_stats (ip_vs_stats_show): two title lines, a hex totals row, a blank line,
 * a rates title and a hex rates row.
 */
export function parseProcIpVsStats(text: string): ProcIpVsStats {
  const rows = numberLines(text).filter((l) => /^\s*[0-9A-Fa-f]+(\s+[0-9A-Fa-f]+){4}\s*$/.test(l.text));
  const titles = numberLines(text).filter((l) => /[G-Zg-z]/.test(l.text));
  if (titles.length !== 3 || !titles[0]?.text.includes('Total') || !titles[2]?.text.includes('Conns/s'))
    new LineReader(titles[0] ?? { line: 1, text: text.split('\n')[0] ?? '' }).fail('Unexpected /proc/net/ip_vs_stats titles');
  if (rows.length !== 2) new LineReader({ line: 0, text }).fail(`Expected 2 rows of 5 hex numbers, found ${rows.length}`);
  const [a, b] = rows.map((row) => tokenize(row.text).map((h) => new LineReader(row).hex(h, 'counter'))) as [number[], number[]];
  return {
    totals: { conns: a[0] ?? 0, inPackets: a[1] ?? 0, outPackets: a[2] ?? 0, inBytes: a[3] ?? 0, outBytes: a[4] ?? 0 },
    rates: { connsPerSecond: b[0] ?? 0, inPacketsPerSecond: b[1] ?? 0, outPacketsPerSecond: b[2] ?? 0, inBytesPerSecond: b[3] ?? 0, outBytesPerSecond: b[4] ?? 0 },
  };
}

/** One entry of /proc/net/ip_vs_conn: a connection or (protocol IP, port 0) a persistence template. */
export interface ProcConnection {
  protocol: string;
  client: { address: string; port: number };
  virtual: { address: string; port: number };
  destination: { address: string; port: number };
  state: string;
  expiresSeconds: number;
  persistenceEngine: string | null;
  persistenceData: string | null;
}

/**
 * Parses /proc/net/ip_vs_conn (ip_vs_conn_seq_show):
 *   Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
 *   TCP C0A80001 D431 C0000201 0050 0A000001 0050 ESTABLISHED     897
 *   TCP 2001:0db8:…:0010 D431 2001:0db8:…:0001 0050 2001:0db8:…:0005 0050 FIN_WAIT 118
 * IPv4 addresses are 8 hex digits; IPv6 ones the full %pI6 form (a TUN destination may differ in family).
 */
export function parseProcIpVsConn(text: string): ProcConnection[] {
  const lines = numberLines(text);
  const title = lines[0];
  if (!title || !tokenize(title.text).join(' ').startsWith('Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires'))
    new LineReader(title ?? { line: 1, text: '' }).fail('Expected the ip_vs_conn column titles');
  const connections: ProcConnection[] = [];
  for (const at of lines.slice(1)) {
    const r: LineReader = new LineReader(at);
    const t = tokenize(at.text);
    if (t.length === 0) continue;
    if (t.length !== 9 && t.length !== 11) r.fail(`Expected 9 or 11 fields, got ${t.length}`);
    const addr = (token: string | undefined): string => {
      if (token !== undefined && /^[0-9A-Fa-f]{8}$/.test(token)) return hexToIpv4(token) ?? r.fail('Bad IPv4 hex');
      return canonicalizeAddress(r.address(token, 'connection'));
    };
    if (!/^[A-Z]{2,4}$/.test(t[0] ?? '')) r.fail(`Bad protocol ${JSON.stringify(t[0])}`);
    if (!/^[A-Z_]{2,16}$/.test(t[7] ?? '')) r.fail(`Bad state ${JSON.stringify(t[7])}`);
    connections.push({
      protocol: t[0] ?? '',
      client: { address: addr(t[1]), port: r.hex(t[2], 'port', 4) },
      virtual: { address: addr(t[3]), port: r.hex(t[4], 'port', 4) },
      destination: { address: addr(t[5]), port: r.hex(t[6], 'port', 4) },
      state: t[7] ?? '',
      expiresSeconds: r.int(t[8], 'expires', 0, 2 ** 32),
      persistenceEngine: t[9] ?? null,
      persistenceData: t[10] ?? null,
    });
  }
  return connections;
}
