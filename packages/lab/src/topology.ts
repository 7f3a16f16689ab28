import { z } from 'zod';

// The lab's whole address plan lives in 198.18.0.0/15 (RFC 2544 benchmarking space): nothing the lab
// creates can ever collide with, or leak traffic to, a real network.
const LAB_SPACE = { base: ipv4ToInt('198.18.0.0'), prefix: 15 };

/** Parses dotted-quad IPv4 into an unsigned 32-bit integer; throws on anything else. */
export function ipv4ToInt(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${address}`);
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) {
      throw new Error(`not an IPv4 address: ${address}`);
    }
    value = value * 256 + Number(part);
  }
  return value;
}

/** Formats an unsigned 32-bit integer as dotted-quad IPv4. */
export function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** A parsed IPv4 network: first address (network), prefix length, size. */
export interface Ipv4Network {
  network: number;
  prefix: number;
  size: number;
}

/** Parses "a.b.c.d/n", requiring the address to be the network address. */
export function parseCidr(cidr: string): Ipv4Network {
  const [address, prefixText, ...rest] = cidr.split('/');
  if (address === undefined || prefixText === undefined || rest.length > 0 || !/^[0-9]{1,2}$/.test(prefixText)) {
    throw new Error(`not a CIDR: ${cidr}`);
  }
  const prefix = Number(prefixText);
  if (prefix > 32) throw new Error(`prefix out of range: ${cidr}`);
  const size = 2 ** (32 - prefix);
  const network = ipv4ToInt(address);
  if (network % size !== 0) throw new Error(`${cidr} is not a network address (host bits set)`);
  return { network, prefix, size };
}

/** True when `inner` lies entirely within `outer`. */
export function isWithin(inner: Ipv4Network, outer: Ipv4Network): boolean {
  return inner.network >= outer.network && inner.network + inner.size <= outer.network + outer.size;
}

function inLabSpace(cidr: string): boolean {
  try {
    return isWithin(parseCidr(cidr), { network: LAB_SPACE.base, prefix: LAB_SPACE.prefix, size: 2 ** 17 });
  } catch {
    return false;
  }
}

const Ipv4 = z.string().refine((value) => {
  try {
    ipv4ToInt(value);
    return true;
  } catch {
    return false;
  }
}, 'must be a dotted-quad IPv4 address');

const LabCidr = z
  .string()
  .refine((value) => inLabSpace(value), 'must be a CIDR network inside 198.18.0.0/15');

// Host names double as network namespace names and appear in log file names: keep them boring.
export const LabHostName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,23}$/, 'lowercase letters, digits and dashes, starting with a letter, at most 24 chars')
  .refine((name) => name !== 'guest', '"guest" is reserved for the guest root namespace');

export const LabHostRole = z.enum(['client', 'director', 'real-server']);
export type LabHostRole = z.infer<typeof LabHostRole>;

export const LabHostSpec = z.object({
  name: LabHostName,
  role: LabHostRole,
  /** Fixed address on the lab segment; allocated when absent. */
  address: Ipv4.optional(),
  /** Extra sysctls set inside this host's namespace at boot, e.g. {"net.ipv4.vs.conn_reuse_mode": "3"}. */
  sysctls: z.record(z.string().regex(/^[a-z0-9_.-]+$/), z.string().regex(/^[A-Za-z0-9 ._-]*$/)).default({}),
});
export type LabHostSpec = z.input<typeof LabHostSpec>;

export const LabTopologySpec = z
  .object({
    /** State directory name under .fulcrum/lab/. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/).default('default'),
    /** The one L2 segment (a bridge in the guest) every host sits on. */
    segment: LabCidr.default('198.18.0.0/24'),
    /** Point-to-point link host ⇄ guest over the tap (host takes the first usable address, guest the second). */
    hostLink: LabCidr.default('198.18.1.0/30'),
    /** Host-side tap device name; unique enough not to collide with anything else on a machine. */
    tapName: z.string().regex(/^[a-z][a-z0-9-]{0,14}$/).default('fulcrum-tap0'),
    /** Guest memory; node processes (≈ 50 MB per real server) dominate. Default: 1024, more for big pools. */
    memoryMb: z.number().int().min(256).max(8192).optional(),
    /** Port of the HTTP server every real server runs at boot (0 = none). */
    realServerHttpPort: z.number().int().min(0).max(65535).default(80),
    hosts: z.array(LabHostSpec).min(1).max(100),
  })
  .superRefine((spec, ctx) => {
    const names = new Set<string>();
    for (const host of spec.hosts) {
      if (names.has(host.name)) ctx.addIssue({ code: 'custom', message: `duplicate host name ${host.name}` });
      names.add(host.name);
    }
    try {
      const segment = parseCidr(spec.segment);
      const link = parseCidr(spec.hostLink);
      if (link.size < 4) ctx.addIssue({ code: 'custom', message: 'hostLink needs at least a /30' });
      if (segment.size < 8) ctx.addIssue({ code: 'custom', message: 'segment needs at least a /29' });
      const overlap = segment.network < link.network + link.size && link.network < segment.network + segment.size;
      if (overlap) ctx.addIssue({ code: 'custom', message: 'segment and hostLink overlap' });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });
export type LabTopologySpec = z.input<typeof LabTopologySpec>;

/** A lab host after address allocation. */
export interface LabHost {
  name: string;
  role: LabHostRole;
  address: string;
  /** Root-namespace end of this host's veth (its `eth0` lives in the namespace). */
  bridgePort: string;
  sysctls: Record<string, string>;
}

/** The fully resolved topology the lab boots. */
export interface LabTopology {
  id: string;
  tapName: string;
  memoryMb: number;
  realServerHttpPort: number;
  segment: { cidr: string; prefix: number; gateway: string };
  hostLink: { cidr: string; prefix: number; hostAddress: string; guestAddress: string };
  /** Addresses on the segment that no host uses, for VIPs (.100 and up in a /24). */
  freeAddresses: string[];
  hosts: LabHost[];
}

const ROLE_ORDER: Record<LabHostRole, number> = { client: 0, director: 1, 'real-server': 2 };

/** Builds the standard topology: client, director-a/-b, rs-1..rs-N (N = realServers). */
export function defaultTopology(options: { realServers?: number; id?: string } = {}): LabTopologySpec {
  const count = options.realServers ?? 3;
  return {
    ...(options.id === undefined ? {} : { id: options.id }),
    hosts: [
      { name: 'client', role: 'client' },
      { name: 'director-a', role: 'director' },
      { name: 'director-b', role: 'director' },
      ...Array.from({ length: count }, (_, index) => ({ name: `rs-${index + 1}`, role: 'real-server' as const })),
    ],
  };
}

/**
 * Validates a topology spec and allocates addresses: gateway = first usable address, then hosts in
 * role order (client, directors, real servers) from the 10th address, keeping .100 and up (upper
 * half in small segments) free for VIPs. Throws a zod error or an Error naming the conflict.
 */
export function resolveTopology(input: LabTopologySpec): LabTopology {
  const spec = LabTopologySpec.parse(input);
  const segment = parseCidr(spec.segment);
  const link = parseCidr(spec.hostLink);
  const gateway = segment.network + 1;
  const broadcast = segment.network + segment.size - 1;
  // VIPs conventionally sit at .100 and up in a /24 (e.g. 198.18.0.100); smaller segments use the upper half.
  const vipStart = segment.network + (segment.size >= 256 ? 100 : Math.floor(segment.size / 2));

  const taken = new Set<number>([gateway]);
  for (const host of spec.hosts) {
    if (host.address === undefined) continue;
    const value = ipv4ToInt(host.address);
    if (value <= segment.network || value >= broadcast) {
      throw new Error(`${host.name}: ${host.address} is not a usable address in ${spec.segment}`);
    }
    if (taken.has(value)) throw new Error(`${host.name}: address ${host.address} is already taken`);
    taken.add(value);
  }

  // Small segments cannot afford the gap below the 10th address.
  let next = segment.size >= 64 ? segment.network + 10 : gateway + 1;
  const ordered = spec.hosts
    .map((host, index) => ({ host, index }))
    .sort((a, b) => ROLE_ORDER[a.host.role] - ROLE_ORDER[b.host.role] || a.index - b.index);
  const hosts: LabHost[] = [];
  for (const [position, { host }] of ordered.entries()) {
    let address: number;
    if (host.address !== undefined) {
      address = ipv4ToInt(host.address);
    } else {
      while (taken.has(next)) next += 1;
      if (next >= broadcast) throw new Error(`segment ${spec.segment} is too small for ${spec.hosts.length} hosts`);
      address = next;
      taken.add(address);
    }
    hosts.push({
      name: host.name,
      role: host.role,
      address: intToIpv4(address),
      bridgePort: `lab-v${position}`,
      sysctls: { ...host.sysctls },
    });
  }

  const freeAddresses: string[] = [];
  for (let value = Math.max(vipStart, next); value < broadcast; value += 1) {
    if (!taken.has(value)) freeAddresses.push(intToIpv4(value));
  }

  return {
    id: spec.id,
    tapName: spec.tapName,
    // UML backs guest memory with a sparse file in /dev/shm: only what the guest touches costs host RAM.
    memoryMb: spec.memoryMb ?? Math.max(1024, 512 + 80 * hosts.filter((host) => host.role === 'real-server').length),
    realServerHttpPort: spec.realServerHttpPort,
    segment: { cidr: spec.segment, prefix: segment.prefix, gateway: intToIpv4(gateway) },
    hostLink: {
      cidr: spec.hostLink,
      prefix: link.prefix,
      hostAddress: intToIpv4(link.network + 1),
      guestAddress: intToIpv4(link.network + 2),
    },
    freeAddresses,
    hosts,
  };
}

/** Looks a host up by name, with a helpful error listing the valid names. */
export function findLabHost(topology: LabTopology, name: string): LabHost {
  const host = topology.hosts.find((candidate) => candidate.name === name);
  if (host === undefined) {
    throw new Error(`unknown lab host "${name}" (hosts: ${topology.hosts.map((h) => h.name).join(', ')})`);
  }
  return host;
}
