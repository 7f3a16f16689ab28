import { z } from 'zod';
import { InterfaceAddress } from '../commands/ip';
import type { KernelModule } from '../commands/modprobe';
import type { SysctlSetting } from '../commands/sysctl';
import { validate } from '../model/errors';
import { CanonicalAddress, IpvsTable } from '../model/ipvs';
import { InterfaceName, addressFamily } from '../model/primitives';
import { KeepalivedConfig, type KeepalivedConfigInput } from '../keepalived/model';

/** A condition the agent verifies and reports but never changes (e.g. the NAT default gateway). */
export type HostCheck = { kind: 'default-gateway'; family: 'ipv4' | 'ipv6'; expected: string; reason: string };

/** What one host should look like: addresses, links, sysctls, modules, checks (and for a director its IPVS table and keepalived config). */
export interface HostPlan {
  role: 'director' | 'real-server';
  modules: Array<z.infer<typeof KernelModule>>;
  sysctls: SysctlSetting[];
  links: string[];
  addresses: InterfaceAddress[];
  checks: HostCheck[];
  ipvs: IpvsTable | null;
  keepalived: KeepalivedConfig | null;
}

/** Input of planDirector. */
export interface PlanDirectorInput {
  table: z.input<typeof IpvsTable>;
  keepalived: KeepalivedConfigInput;
}

/**
 * A director: ip_vs plus one module per scheduler in use (loaded up front so a failed load is reported,
 * not hidden in ipvsadm's own modprobe), ip_forward only when a NAT destination exists, and the VRRP
 * config whose instances hold the VIPs (keepalived adds them, so they are not in `addresses`).
 */
export function planDirector(input: PlanDirectorInput): HostPlan {
  const table = validate(IpvsTable, input.table, 'IPVS table');
  const keepalived = validate(KeepalivedConfig, input.keepalived, 'keepalived configuration');
  const schedulers = [...new Set(table.services.map((s) => s.scheduler))].sort();
  const nat = table.services.flatMap((s) => s.destinations.filter((d) => d.forwarding === 'NAT').map((d) => addressFamily(d.address)));
  const sysctls: SysctlSetting[] = [];
  if (nat.includes('ipv4')) sysctls.push({ key: 'net.ipv4.ip_forward', value: 1 });
  if (nat.includes('ipv6')) sysctls.push({ key: 'net.ipv6.conf.all.forwarding', value: 1 });
  return {
    role: 'director',
    modules: ['ip_vs', ...schedulers.map((s) => `ip_vs_${s}`)],
    sysctls,
    links: [],
    addresses: [],
    checks: [],
    ipvs: table,
    keepalived: { ...keepalived, virtualServers: [] },
  };
}

/** Input of planRealServer: the VIPs this real server serves, by the forwarding method the directors use for it. */
export const PlanRealServerInput = z
  .object({
    forwarding: z.enum(['DR', 'TUN', 'NAT']),
    vips: z.array(CanonicalAddress).max(256),
    /** NAT only: the director address (or the pair's floating gateway VIP) that must be the default route. */
    gateway: CanonicalAddress.nullable().default(null),
    /** DR: the loopback device; TUN: the tunnel device (defaults lo / tunl0). */
    device: InterfaceName.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.forwarding === 'NAT' && r.gateway === null) ctx.addIssue({ code: 'custom', path: ['gateway'], message: 'NAT real servers need the director as gateway' });
    if (new Set(r.vips).size !== r.vips.length) ctx.addIssue({ code: 'custom', path: ['vips'], message: 'Duplicate VIP' });
  });

/**
 * A real server:
 * - DR: each VIP as /32 (/128) on lo so the host accepts the packets, with arp_ignore=1 and arp_announce=2
 *   on all and lo so it never answers ARP for the VIP (the director must own it on the segment).
 * - TUN: ipip module, tunl0 up holding the VIPs, rp_filter=0 on tunl0 and all (decapsulated packets arrive on
 *   tunl0 from a source routed elsewhere; the kernel uses the max of all and the device), and
 *   arp_ignore=1 / arp_announce=2 on all (a VIP on tunl0 must not be answered for on the segment).
 * - NAT: nothing to configure; the director must be the default gateway, which is checked and reported,
 *   never changed (a wrong route change cuts the host off).
 */
export function planRealServer(input: z.input<typeof PlanRealServerInput>): HostPlan {
  const r = validate(PlanRealServerInput, input, 'real server plan');
  const plan: HostPlan = { role: 'real-server', modules: [], sysctls: [], links: [], addresses: [], checks: [], ipvs: null, keepalived: null };
  const hostPrefix = (a: string) => (addressFamily(a) === 'ipv6' ? 128 : 32);
  if (r.forwarding === 'DR') {
    const dev = r.device ?? 'lo';
    plan.addresses = r.vips.map((a) => ({ address: a, prefix: hostPrefix(a), dev }));
    plan.sysctls = [
      { key: 'net.ipv4.conf.all.arp_ignore', value: 1 },
      { key: `net.ipv4.conf.${dev}.arp_ignore`, value: 1 },
      { key: 'net.ipv4.conf.all.arp_announce', value: 2 },
      { key: `net.ipv4.conf.${dev}.arp_announce`, value: 2 },
    ];
  } else if (r.forwarding === 'TUN') {
    const dev = r.device ?? 'tunl0';
    plan.modules = ['ipip'];
    plan.links = [dev];
    plan.addresses = r.vips.map((a) => ({ address: a, prefix: hostPrefix(a), dev }));
    // A TUN real server on the VIP's own segment has the same ARP problem as DR (LVS-HOWTO): the VIP on
    // tunl0 would be answered for on eth0 unless arp_ignore/arp_announce are set on all.
    plan.sysctls = [
      { key: `net.ipv4.conf.${dev}.rp_filter`, value: 0 },
      { key: 'net.ipv4.conf.all.rp_filter', value: 0 },
      { key: 'net.ipv4.conf.all.arp_ignore', value: 1 },
      { key: 'net.ipv4.conf.all.arp_announce', value: 2 },
    ];
  } else {
    const gateway = r.gateway ?? '';
    plan.checks = [{ kind: 'default-gateway', family: addressFamily(gateway), expected: gateway, reason: 'NAT replies must return through the director' }];
  }
  plan.addresses = plan.addresses.map((a) => validate(InterfaceAddress, a, 'address'));
  return plan;
}
