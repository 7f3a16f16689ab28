import { z } from 'zod';
import {
  AdvertInterval,
  addressFamily,
  InterfaceName,
  IpAddress,
  Ipv4Address,
  ObjectName,
  VirtualRouterId,
  VrrpAuthSecret,
  VrrpPriority,
} from '../model/primitives';
import { Id, Version } from './common';

/** Most VIPs one vrrp_instance may carry (keepalived puts them all in one advert; 20 per packet in VRRPv2). */
export const MAX_VIPS_PER_PAIR = 64;

const pairShape = {
  name: ObjectName,
  interface: InterfaceName,
  virtualRouterId: VirtualRouterId,
  advertInterval: AdvertInterval.default(1),
  primaryNodeId: Id,
  primaryPriority: VrrpPriority.default(150),
  /** Absent: a single director that holds the VIPs itself, without VRRP. */
  secondaryNodeId: Id.nullable().default(null),
  secondaryPriority: VrrpPriority.default(100),
  primaryUnicastIp: Ipv4Address.nullable().default(null),
  secondaryUnicastIp: Ipv4Address.nullable().default(null),
  vips: z.array(IpAddress).max(MAX_VIPS_PER_PAIR, `A pair carries at most ${MAX_VIPS_PER_PAIR} VIPs`).default([]),
  /** NAT only: the address NAT real servers must route through (a VIP-side address of the directors); null = none. */
  natGatewayIp: IpAddress.nullable().default(null),
  /** conn_reuse_mode=3 on this pair's directors: true/false overrides the cluster's setting, null follows it; absent on update keeps it. */
  preventPortReuseLeaks: z.boolean({ error: 'Prevent port-reuse leaks must be true, false or empty' }).nullable().optional(),
};

type PairCheck = {
  primaryNodeId: string;
  secondaryNodeId: string | null;
  primaryPriority: number;
  secondaryPriority: number;
  primaryUnicastIp: string | null;
  secondaryUnicastIp: string | null;
  vips: string[];
};

/** Cross-field rules of a pair, reported on the field the operator has to change. */
function checkPair(pair: PairCheck, ctx: z.RefinementCtx): void {
  if (pair.secondaryNodeId !== null && pair.secondaryNodeId === pair.primaryNodeId) {
    ctx.addIssue({ code: 'custom', path: ['secondaryNodeId'], message: 'The secondary director must differ from the primary' });
  }
  if (pair.secondaryNodeId !== null && pair.primaryPriority === pair.secondaryPriority) {
    // Equal priorities make the MASTER depend on address order: an operator never means that.
    ctx.addIssue({ code: 'custom', path: ['secondaryPriority'], message: 'Priorities must differ so one director is clearly preferred' });
  }
  const hasPrimaryUnicast = pair.primaryUnicastIp !== null;
  const hasSecondaryUnicast = pair.secondaryUnicastIp !== null;
  if (hasPrimaryUnicast !== hasSecondaryUnicast) {
    ctx.addIssue({
      code: 'custom',
      path: [hasPrimaryUnicast ? 'secondaryUnicastIp' : 'primaryUnicastIp'],
      message: 'Unicast VRRP needs both directors’ source addresses (or neither, for multicast)',
    });
  }
  if (hasPrimaryUnicast && pair.secondaryNodeId === null) {
    ctx.addIssue({ code: 'custom', path: ['secondaryUnicastIp'], message: 'Unicast peers need a secondary director' });
  }
  if (hasPrimaryUnicast && pair.primaryUnicastIp === pair.secondaryUnicastIp) {
    ctx.addIssue({ code: 'custom', path: ['secondaryUnicastIp'], message: 'The two unicast addresses must differ' });
  }
  const seen = new Set<string>();
  pair.vips.forEach((vip, index) => {
    const canonical = canonicalAddress(vip);
    if (seen.has(canonical)) ctx.addIssue({ code: 'custom', path: ['vips', index], message: `VIP ${vip} is listed twice` });
    seen.add(canonical);
  });
}

/** Canonical text of a valid address (IPv6 compressed, lower case) so duplicates are found whatever the spelling. */
export function canonicalAddress(address: string): string {
  if (addressFamily(address) === 'ipv4') return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** Fields an admin sets on an HA pair (one keepalived vrrp_instance). */
export const HaPairFields = z.object(pairShape);
export type HaPairFields = z.infer<typeof HaPairFields>;

/** Input to create an HA pair. `authSecret` absent or null = no VRRP authentication. */
export const CreateHaPairInput = z
  .object({ ...pairShape, clusterId: Id, authSecret: VrrpAuthSecret.nullable().default(null) })
  .superRefine(checkPair);
export type CreateHaPairInput = z.infer<typeof CreateHaPairInput>;

/**
 * Input to replace a pair's fields at a known version. The secret is never sent to the browser, so
 * `authSecret` undefined keeps the stored one, null removes it, a string replaces it.
 */
export const UpdateHaPairInput = z
  // natGatewayIp absent keeps the stored one (an edit form that predates it cannot clear it).
  .object({ ...pairShape, id: Id, version: Version, authSecret: VrrpAuthSecret.nullable().optional(), natGatewayIp: IpAddress.nullable().optional() })
  .superRefine(checkPair);
export type UpdateHaPairInput = z.infer<typeof UpdateHaPairInput>;
