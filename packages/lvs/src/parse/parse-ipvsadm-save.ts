import { netmaskToPrefix } from '../model/address';
import { LvsParseError } from '../model/errors';
import { destinationKey, serviceFamily, serviceKey, type Destination, type IpvsTable, type ServiceSpec, type VirtualService } from '../model/ipvs';
import { addressFamily, type ForwardingMethod } from '../model/primitives';
import { LineReader, numberLines, tokenize } from './tokens';

const FORWARD_BY_SWITCH: Record<string, ForwardingMethod> = { '-g': 'DR', '--gatewaying': 'DR', '-i': 'TUN', '--ipip': 'TUN', '-m': 'NAT', '--masquerading': 'NAT' };
const INT_MAX = 2147483647;

/**
 * Parses `ipvsadm -S -n` (ipvsadm 1.31 save format) into a table:
 *   -A -t 192.0.2.1:80 -s wrr -p 20 -M 255.255.255.0 -o -b sh-fallback,sh-port
 *   -A -f 1 -6 -s rr
 *   -a -t 192.0.2.1:80 -r 10.0.0.1:80 -g -w 1
 *   -a -f 1 -r 10.0.0.2:0 -i -w 1 --tun-type ipip
 * ipvsadm -S does not print -x/-y, so thresholds come out 0: merge them from `ipvsadm -Ln --thresholds`
 * (mergeThresholds). Values are checked against the kernel's own limits, not the operator's (an actual
 * table may hold what Fulcrum would not create), and anything unknown — SCTP, --pe, GUE/GRE tunnels,
 * non-contiguous masks — is a LvsParseError, never a guess.
 */
export function parseIpvsadmSave(text: string): IpvsTable {
  const services = new Map<string, VirtualService>();
  for (const at of numberLines(text)) {
    const tokens = tokenize(at.text);
    if (tokens.length === 0) continue;
    const r: LineReader = new LineReader(at);
    const command = tokens[0];
    if (command === '-A' || command === '--add-service') {
      const service = parseServiceTokens(r, tokens.slice(1));
      const key = serviceKey(service);
      if (services.has(key)) r.fail(`Duplicate service ${key}`);
      services.set(key, { ...service, destinations: [] } as VirtualService);
    } else if (command === '-a' || command === '--add-server') {
      const { key, destination } = parseDestinationTokens(r, tokens.slice(1));
      const service = services.get(key);
      if (!service) r.fail(`Destination for unknown service ${key}`);
      if (service.destinations.some((d) => destinationKey(d) === destinationKey(destination))) r.fail(`Duplicate destination ${destinationKey(destination)}`);
      if (addressFamily(destination.address) !== serviceFamily(service)) r.fail('Mixed-family destinations (IPv4 in IPv6 tunnels) are not supported');
      service.destinations.push(destination);
    } else {
      r.fail(`Unexpected command ${JSON.stringify(command)} in ipvsadm -S output`);
    }
  }
  return { services: [...services.values()] };
}

type Selector = { protocol: 'TCP' | 'UDP'; address: string; port: number } | { protocol: 'FWMARK'; fwmark: number; family: 'ipv4' | 'ipv6' };

/** Reads the -t/-u/-f [-6] selector at tokens[i]; returns it and the next index. */
function parseSelector(r: LineReader, tokens: string[], i: number): [Selector, number] {
  const flag = tokens[i];
  if (flag === '-t' || flag === '--tcp-service' || flag === '-u' || flag === '--udp-service') {
    const { address, port } = r.addressPort(tokens[i + 1], 'service');
    return [{ protocol: flag === '-t' || flag === '--tcp-service' ? 'TCP' : 'UDP', address, port }, i + 2];
  }
  if (flag === '-f' || flag === '--fwmark-service') {
    const fwmark = r.fwmark(tokens[i + 1]);
    const ipv6 = tokens[i + 2] === '-6' || tokens[i + 2] === '--ipv6';
    return [{ protocol: 'FWMARK', fwmark, family: ipv6 ? 'ipv6' : 'ipv4' }, ipv6 ? i + 3 : i + 2];
  }
  if (flag === '--sctp-service') r.fail('SCTP services are not supported');
  return r.fail(`Expected -t, -u or -f, got ${JSON.stringify(flag ?? '')}`);
}

function parseServiceTokens(r: LineReader, tokens: string[]): ServiceSpec {
  const [selector, start] = parseSelector(r, tokens, 0);
  const family = selector.protocol === 'FWMARK' ? selector.family : addressFamily(selector.address);
  const spec: ServiceSpec = { ...selector, scheduler: 'wlc', schedulerFlags: [], persistenceTimeout: 0, persistencePrefix: null, onePacket: false } as ServiceSpec;
  let sawScheduler = false;
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '-s' || t === '--scheduler') {
      spec.scheduler = r.scheduler(tokens[++i]);
      sawScheduler = true;
    } else if (t === '-p' || t === '--persistent') {
      spec.persistenceTimeout = r.int(tokens[++i], 'persistence timeout', 1, INT_MAX);
    } else if (t === '-M' || t === '--netmask') {
      const m = tokens[++i];
      const prefix = family === 'ipv6' ? r.int(m, 'IPv6 persistence prefix', 1, 128) : m === undefined ? null : netmaskToPrefix(m);
      if (prefix === null) r.fail(`Persistence netmask ${JSON.stringify(m ?? '')} is not a contiguous IPv4 mask`);
      spec.persistencePrefix = prefix;
    } else if (t === '-o' || t === '--ops') {
      spec.onePacket = true;
    } else if (t === '-b' || t === '--sched-flags') {
      spec.schedulerFlags = r.schedulerFlags(tokens[++i]);
    } else if (t === '--pe') {
      r.fail('Persistence engines (--pe) are not supported');
    } else {
      r.fail(`Unknown service option ${JSON.stringify(t)}`);
    }
  }
  if (!sawScheduler) r.fail('Service line without -s scheduler');
  if (spec.persistencePrefix !== null && spec.persistenceTimeout === 0) r.fail('-M without -p');
  const full = family === 'ipv6' ? 128 : 32;
  if (spec.persistencePrefix === full) spec.persistencePrefix = null;
  checkFlags(r, spec);
  return spec;
}

/** Named sh-/mh- flags only with their scheduler; generic flag-N only without a named form. */
function checkFlags(r: LineReader, spec: ServiceSpec): void {
  for (const f of spec.schedulerFlags) {
    const own = f.startsWith('sh-') ? 'sh' : f.startsWith('mh-') ? 'mh' : null;
    if (own !== null && own !== spec.scheduler) r.fail(`Flag ${f} on scheduler ${spec.scheduler}`);
    if (own === null && (spec.scheduler === 'sh' || spec.scheduler === 'mh')) r.fail(`Generic ${f} on scheduler ${spec.scheduler}`);
  }
  if (new Set(spec.schedulerFlags).size !== spec.schedulerFlags.length) r.fail('Repeated scheduler flag');
}

function parseDestinationTokens(r: LineReader, tokens: string[]): { key: string; destination: Destination } {
  const [selector, start] = parseSelector(r, tokens, 0);
  let address: string | null = null;
  let port = 0;
  let forwarding: ForwardingMethod | null = null;
  let weight: number | null = null;
  let upperThreshold = 0;
  let lowerThreshold = 0;
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    if (t === '-r' || t === '--real-server') {
      const raw = tokens[++i];
      if (raw !== undefined && /^\[[^\]]+\]$/.test(raw)) address = r.address(raw.slice(1, -1), 'real server');
      else if (raw !== undefined && !raw.includes(':')) address = r.address(raw, 'real server');
      else ({ address, port } = r.addressPort(raw, 'real server'));
    } else if (t in FORWARD_BY_SWITCH) {
      if (forwarding !== null) r.fail('Two forwarding methods');
      forwarding = FORWARD_BY_SWITCH[t] ?? null;
    } else if (t === '-w' || t === '--weight') {
      weight = r.int(tokens[++i], 'weight', 0, 65535);
    } else if (t === '-x' || t === '--u-threshold') {
      upperThreshold = r.int(tokens[++i], 'upper threshold', 0, INT_MAX);
    } else if (t === '-y' || t === '--l-threshold') {
      lowerThreshold = r.int(tokens[++i], 'lower threshold', 0, INT_MAX);
    } else if (t === '--tun-type') {
      if (tokens[++i] !== 'ipip') r.fail(`Tunnel type ${JSON.stringify(tokens[i] ?? '')} is not supported (only ipip)`);
      if (forwarding !== 'TUN') r.fail('--tun-type without -i');
    } else {
      r.fail(`Unknown destination option ${JSON.stringify(t)}`);
    }
  }
  if (address === null) return r.fail('Destination line without -r');
  if (forwarding === null) return r.fail('Destination line without -g, -i or -m');
  if (weight === null) return r.fail('Destination line without -w');
  if (port === 0 && selector.protocol !== 'FWMARK') r.fail('Port 0 destination in an address service');
  return { key: serviceKey(selector), destination: { address, port, forwarding, weight, upperThreshold, lowerThreshold } };
}

/** Re-exported for callers that only import the save parser. */
export { LvsParseError };
