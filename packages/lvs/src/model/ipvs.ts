import { z } from 'zod';
import { canonicalizeAddress, formatAddressPort } from './address';
import {
  ForwardingMethod,
  Fwmark,
  IpAddress,
  PersistencePrefix,
  PersistenceTimeout,
  Port,
  Scheduler,
  Weight,
  addressFamily,
} from './primitives';

/** Scheduler flags ipvsadm knows by name: sh-… and mh-… for their schedulers, flag-N for the rest (kernel bits 1–3). */
export const SCHEDULER_FLAGS = ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port', 'flag-1', 'flag-2', 'flag-3'] as const;
/** A scheduler flag (ipvsadm -b). */
export const SchedulerFlag = z.enum(SCHEDULER_FLAGS, { error: () => `Scheduler flag must be one of ${SCHEDULER_FLAGS.join(', ')}` });
export type SchedulerFlag = z.infer<typeof SchedulerFlag>;

/** Address family of a service or destination. */
export const AddressFamily = z.enum(['ipv4', 'ipv6']);
export type AddressFamily = z.infer<typeof AddressFamily>;

/** A valid IP address rewritten to its canonical text (see canonicalizeAddress), so keys compare reliably. */
export const CanonicalAddress = IpAddress.transform((s) => canonicalizeAddress(s));

/** A connection threshold (-x/-y): 0 = none; ipvsadm accepts 0..INT_MAX. */
export const ConnectionThreshold = z
  .number({ error: 'Threshold must be a number' })
  .int('Threshold must be a whole number')
  .min(0, 'Threshold must be between 0 and 2147483647')
  .max(2147483647, 'Threshold must be between 0 and 2147483647');

/** A destination port: 1–65535, or 0 (no port) which only firewall-mark services allow. */
export const DestinationPort = z
  .number({ error: 'Port must be a number' })
  .int('Port must be a whole number')
  .min(0, 'Port must be between 0 and 65535')
  .max(65535, 'Port must be between 0 and 65535');

/**
 * A real server inside a virtual service (ipvsadm -a/-e). Thresholds 0 mean "no limit". The kernel refuses
 * (ERANGE, "Numerical result out of range") a lower threshold above the upper one — even when the upper is 0,
 * so -y needs an -x at least as large (verified in the lab).
 */
export const Destination = z
  .object({
    address: CanonicalAddress,
    port: DestinationPort,
    forwarding: ForwardingMethod,
    weight: Weight,
    upperThreshold: ConnectionThreshold.default(0),
    lowerThreshold: ConnectionThreshold.default(0),
  })
  .superRefine((d, ctx) => {
    if (d.lowerThreshold > d.upperThreshold)
      ctx.addIssue({
        code: 'custom',
        path: ['lowerThreshold'],
        message: d.upperThreshold === 0 ? 'A lower threshold needs an upper threshold at least as large' : 'Lower threshold must not exceed the upper threshold',
      });
  });
export type Destination = z.infer<typeof Destination>;

const serviceAttributes = {
  scheduler: Scheduler,
  schedulerFlags: z.array(SchedulerFlag).max(3).default([]),
  /** Seconds; 0 = not persistent. */
  persistenceTimeout: PersistenceTimeout.default(0),
  /** Persistence granularity as a prefix length; null = per client host (/32 or /128). */
  persistencePrefix: PersistencePrefix.nullable().default(null),
  /** One-packet scheduling (ipvsadm -o), for UDP services whose every datagram is scheduled. */
  onePacket: z.boolean().default(false),
};

/** A TCP or UDP virtual service on address:port. */
export const AddressServiceSpec = z.object({
  protocol: z.enum(['TCP', 'UDP']),
  address: CanonicalAddress,
  port: Port,
  ...serviceAttributes,
});
/** A firewall-mark virtual service (ipvsadm -f, with -6 for IPv6). */
export const FwmarkServiceSpec = z.object({
  protocol: z.literal('FWMARK'),
  fwmark: Fwmark,
  family: AddressFamily,
  ...serviceAttributes,
});

/** The attributes of a virtual service without its destinations, validated for consistency. */
export const ServiceSpec = z
  .discriminatedUnion('protocol', [AddressServiceSpec, FwmarkServiceSpec])
  .superRefine((s, ctx) => checkServiceAttributes(s, ctx));
export type ServiceSpec = z.infer<typeof ServiceSpec>;

/** A virtual service with its destinations: the unit an operator edits and the diff compares. */
export const VirtualService = z
  .discriminatedUnion('protocol', [
    AddressServiceSpec.extend({ destinations: z.array(Destination).max(10000).default([]) }),
    FwmarkServiceSpec.extend({ destinations: z.array(Destination).max(10000).default([]) }),
  ])
  .superRefine((s, ctx) => {
    checkServiceAttributes(s, ctx);
    const family = serviceFamily(s);
    const seen = new Set<string>();
    s.destinations.forEach((d, i) => {
      const key = destinationKey(d);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['destinations', i], message: `Duplicate destination ${key}` });
      seen.add(key);
      if (addressFamily(d.address) !== family)
        ctx.addIssue({ code: 'custom', path: ['destinations', i, 'address'], message: `Destination must be ${family} like its service` });
      if (s.protocol !== 'FWMARK' && d.port === 0)
        ctx.addIssue({ code: 'custom', path: ['destinations', i, 'port'], message: 'Port 0 is only allowed in firewall-mark services' });
      // ipvsadm silently forces DR/TUN destinations of address services onto the service port: reject instead of drifting
      if (s.protocol !== 'FWMARK' && d.forwarding !== 'NAT' && d.port !== s.port)
        ctx.addIssue({ code: 'custom', path: ['destinations', i, 'port'], message: `${d.forwarding} destinations must use the service port ${s.port} (only NAT can map ports)` });
    });
  });
export type VirtualService = z.infer<typeof VirtualService>;

/** A whole IPVS table: what one director's kernel should hold (desired) or holds (actual). */
export const IpvsTable = z
  .object({ services: z.array(VirtualService).max(5000) })
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.services.forEach((s, i) => {
      const key = serviceKey(s);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['services', i], message: `Duplicate service ${key}` });
      seen.add(key);
    });
  });
export type IpvsTable = z.infer<typeof IpvsTable>;

/** The fields that identify a service in the kernel: protocol + address + port, or family + fwmark. */
export type ServiceIdentity =
  | { protocol: 'TCP' | 'UDP'; address: string; port: number }
  | { protocol: 'FWMARK'; fwmark: number; family: AddressFamily };

/** Address family of a service. */
export function serviceFamily(s: ServiceIdentity): AddressFamily {
  return s.protocol === 'FWMARK' ? s.family : addressFamily(s.address);
}

/** Stable key of a service, e.g. "TCP 192.0.2.1:80", "UDP [2001:db8::1]:53", "FWM 1 IPv6". */
export function serviceKey(s: ServiceIdentity): string {
  if (s.protocol === 'FWMARK') return `FWM ${s.fwmark} ${s.family === 'ipv6' ? 'IPv6' : 'IPv4'}`;
  return `${s.protocol} ${formatAddressPort(s.address, s.port)}`;
}

/** Stable key of a destination within its service, e.g. "10.0.0.1:80", "[2001:db8::5]:80". */
export function destinationKey(d: { address: string; port: number }): string {
  return formatAddressPort(d.address, d.port);
}

/** Only the identifying fields of a service (what -D and -a/-e/-d need to name it). */
export function serviceIdentity(s: ServiceIdentity): ServiceIdentity {
  return s.protocol === 'FWMARK'
    ? { protocol: 'FWMARK', fwmark: s.fwmark, family: s.family }
    : { protocol: s.protocol, address: s.address, port: s.port };
}

/** The service attributes without destinations. */
export function serviceSpecOf(s: VirtualService | ServiceSpec): ServiceSpec {
  const { destinations: _ignored, ...spec } = s as VirtualService;
  return spec as ServiceSpec;
}

function checkServiceAttributes(
  s: { scheduler: string; schedulerFlags: string[]; persistenceTimeout: number; persistencePrefix: number | null; onePacket: boolean } & ServiceIdentity,
  ctx: z.RefinementCtx,
): void {
  const family = serviceFamily(s);
  // ipvsadm exits 2 "One-Packet Scheduling is only for UDP virtual services" (fwmark services it accepts);
  // inside an -R batch that aborts every later line (verified in the lab)
  if (s.onePacket && s.protocol === 'TCP')
    ctx.addIssue({ code: 'custom', path: ['onePacket'], message: 'One-packet scheduling is only for UDP and firewall-mark services' });
  const flags = s.schedulerFlags;
  if (new Set(flags).size !== flags.length) ctx.addIssue({ code: 'custom', path: ['schedulerFlags'], message: 'Scheduler flags must not repeat' });
  for (const f of flags) {
    const own = f.startsWith('sh-') ? 'sh' : f.startsWith('mh-') ? 'mh' : null;
    if (own !== null && own !== s.scheduler)
      ctx.addIssue({ code: 'custom', path: ['schedulerFlags'], message: `Flag ${f} belongs to the ${own} scheduler, not ${s.scheduler}` });
    if (own === null && (s.scheduler === 'sh' || s.scheduler === 'mh'))
      ctx.addIssue({ code: 'custom', path: ['schedulerFlags'], message: `Use the named ${s.scheduler}-* flags instead of ${f}` });
  }
  if (s.persistencePrefix !== null) {
    if (s.persistenceTimeout === 0)
      ctx.addIssue({ code: 'custom', path: ['persistencePrefix'], message: 'A persistence netmask needs a persistence timeout' });
    const max = family === 'ipv6' ? 128 : 32;
    if (s.persistencePrefix > max || (family === 'ipv6' && s.persistencePrefix < 1))
      ctx.addIssue({ code: 'custom', path: ['persistencePrefix'], message: `Persistence netmask for ${family} must be a prefix length up to ${max}` });
  }
}

/** Sort order for flags so that equal sets compare equal. */
export function sortSchedulerFlags(flags: readonly SchedulerFlag[]): SchedulerFlag[] {
  return [...flags].sort((a, b) => SCHEDULER_FLAGS.indexOf(a) - SCHEDULER_FLAGS.indexOf(b));
}

/**
 * The canonical form of a table: services and destinations sorted by key, flags sorted, a full-length
 * persistence prefix folded to null. Two tables mean the same kernel state iff their canonical forms deep-equal.
 */
export function normalizeTable(table: IpvsTable): IpvsTable {
  const services = table.services.map((s) => {
    const full = serviceFamily(s) === 'ipv6' ? 128 : 32;
    const destinations = [...s.destinations].sort((a, b) => compareKeys(destinationKey(a), destinationKey(b))).map((d) => ({ ...d }));
    return {
      ...s,
      schedulerFlags: sortSchedulerFlags(s.schedulerFlags),
      persistencePrefix: s.persistenceTimeout === 0 || s.persistencePrefix === full ? null : s.persistencePrefix,
      destinations,
    } as VirtualService;
  });
  services.sort((a, b) => compareKeys(serviceKey(a), serviceKey(b)));
  return { services };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
