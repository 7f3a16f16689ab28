import { z } from 'zod';
import { canonicalizeAddress } from '../model/address';
import { LvsParseError } from '../model/errors';
import { IpAddress } from '../model/primitives';

const AddrInfo = z.looseObject({
  family: z.string(),
  local: z.string().optional(),
  prefixlen: z.number().int().min(0).max(128).optional(),
  scope: z.string().optional(),
  label: z.string().optional(),
});
const Link = z.looseObject({
  ifindex: z.number().int(),
  ifname: z.string().min(1),
  flags: z.array(z.string()).default([]),
  operstate: z.string().optional(),
  addr_info: z.array(AddrInfo).default([]),
});

/** An address held on an interface, as `ip -j addr` reports it. */
export interface HeldAddress {
  family: 'ipv4' | 'ipv6';
  address: string;
  prefix: number;
  scope: string;
  label: string | null;
}

/** An interface with its state and addresses. */
export interface InterfaceState {
  index: number;
  name: string;
  /** UP flag set administratively. */
  isUp: boolean;
  operState: string;
  addresses: HeldAddress[];
}

/**
 * Parses `ip -j addr show` (iproute2 JSON). Entries of other families (link-layer, mpls) are skipped;
 * inet/inet6 entries must carry a valid address and prefix or the whole input is refused.
 */
export function parseIpAddrJson(text: string): InterfaceState[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LvsParseError(`ip -j addr output is not JSON: ${(e as Error).message}`, 1, text.split('\n')[0] ?? '');
  }
  const parsed = z.array(Link).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LvsParseError(`Unexpected ip -j addr structure at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`, 1, text.slice(0, 200));
  }
  return parsed.data.map((link) => ({
    index: link.ifindex,
    name: link.ifname,
    isUp: link.flags.includes('UP'),
    operState: link.operstate ?? 'UNKNOWN',
    addresses: link.addr_info
      .filter((a) => a.family === 'inet' || a.family === 'inet6')
      .map((a) => {
        if (a.local === undefined || a.prefixlen === undefined || !IpAddress.safeParse(a.local).success)
          throw new LvsParseError(`Interface ${link.ifname}: ${a.family} entry without a valid local address and prefix`, 1, JSON.stringify(a));
        return {
          family: a.family === 'inet' ? ('ipv4' as const) : ('ipv6' as const),
          address: canonicalizeAddress(a.local),
          prefix: a.prefixlen,
          scope: a.scope ?? 'global',
          label: a.label ?? null,
        };
      }),
  }));
}
