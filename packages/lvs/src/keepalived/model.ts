import { z } from 'zod';
import { ConfigPath } from '../commands/keepalived';
import { CanonicalAddress, VirtualService, serviceFamily, serviceKey } from '../model/ipvs';
import { AdvertInterval, InterfaceName, VirtualRouterId, VrrpAuthSecret, VrrpPriority, addressFamily } from '../model/primitives';

/** A keepalived identifier (instance name, router_id): one token, no quotes, braces or comment characters. */
export const KeepalivedName = z
  .string()
  .min(1, 'Name is required')
  .max(63, 'Name must be at most 63 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'Name may contain only letters, digits, ".", "_" and "-"');

/** A VIP held by a VRRP instance: address/prefix on a device (dev defaults to the instance interface in keepalived). */
export const VirtualIpAddress = z
  .object({ address: CanonicalAddress, prefix: z.number().int().min(1).max(128), dev: InterfaceName })
  .superRefine((v, ctx) => {
    if (v.prefix > (addressFamily(v.address) === 'ipv6' ? 128 : 32)) ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'Prefix too long for the address family' });
  });
export type VirtualIpAddress = z.infer<typeof VirtualIpAddress>;

/** One vrrp_instance: a VRRP router that owns a set of VIPs on one interface. */
export const VrrpInstance = z
  .object({
    name: KeepalivedName,
    state: z.enum(['MASTER', 'BACKUP']),
    interface: InterfaceName,
    virtualRouterId: VirtualRouterId,
    priority: VrrpPriority,
    advertInterval: AdvertInterval.default(1),
    /** VRRP version: 3 is required for IPv6 VIPs and sub-second adverts; PASS authentication exists only in v2. */
    vrrpVersion: z.union([z.literal(2), z.literal(3)]).default(2),
    authPass: VrrpAuthSecret.nullable().default(null),
    virtualIpAddresses: z.array(VirtualIpAddress).min(1, 'An instance needs at least one VIP').max(64),
    unicastSourceIp: CanonicalAddress.nullable().default(null),
    unicastPeers: z.array(CanonicalAddress).max(16).default([]),
    noPreempt: z.boolean().default(false),
  })
  .superRefine((i, ctx) => {
    const families = new Set(i.virtualIpAddresses.map((v) => addressFamily(v.address)));
    if (families.size > 1) ctx.addIssue({ code: 'custom', path: ['virtualIpAddresses'], message: 'An instance holds VIPs of one address family' });
    const family = [...families][0];
    if (i.vrrpVersion === 2 && family === 'ipv6') ctx.addIssue({ code: 'custom', path: ['vrrpVersion'], message: 'IPv6 VIPs need VRRP version 3' });
    if (i.vrrpVersion === 2 && !Number.isInteger(i.advertInterval)) ctx.addIssue({ code: 'custom', path: ['advertInterval'], message: 'Sub-second adverts need VRRP version 3' });
    // measured with keepalived --config-test: v3 carries the interval in centiseconds in 12 bits
    if (i.vrrpVersion === 3 && i.advertInterval > 40.95) ctx.addIssue({ code: 'custom', path: ['advertInterval'], message: 'VRRP version 3 adverts must be at most 40.95 s' });
    if (i.vrrpVersion === 3 && i.authPass !== null) ctx.addIssue({ code: 'custom', path: ['authPass'], message: 'VRRP version 3 has no authentication' });
    if (i.noPreempt && i.state !== 'BACKUP') ctx.addIssue({ code: 'custom', path: ['noPreempt'], message: 'nopreempt needs initial state BACKUP' });
    const peers = [...i.unicastPeers, ...(i.unicastSourceIp ? [i.unicastSourceIp] : [])];
    for (const p of peers) if (family && addressFamily(p) !== family) ctx.addIssue({ code: 'custom', path: ['unicastPeers'], message: 'Unicast addresses must match the VIP family' });
    if (i.unicastSourceIp !== null && i.unicastPeers.length === 0) ctx.addIssue({ code: 'custom', path: ['unicastPeers'], message: 'unicast_src_ip without unicast_peer' });
    if (new Set(i.unicastPeers).size !== i.unicastPeers.length) ctx.addIssue({ code: 'custom', path: ['unicastPeers'], message: 'Duplicate unicast peer' });
    const vips = i.virtualIpAddresses.map((v) => `${v.address}/${v.prefix}/${v.dev}`);
    if (new Set(vips).size !== vips.length) ctx.addIssue({ code: 'custom', path: ['virtualIpAddresses'], message: 'Duplicate VIP' });
  });
export type VrrpInstance = z.infer<typeof VrrpInstance>;

/** A virtual_server block for the plain-keepalived export: the IPVS service plus keepalived's checker settings. */
export const KeepalivedVirtualServer = z
  .object({
    service: VirtualService,
    /** Seconds between health checks. */
    delayLoop: z.number().int().min(1).max(3600).default(6),
    /** TCP_CHECK connect_timeout in seconds on every real server, or null for no checker (UDP, fwmark). */
    connectTimeout: z.number().int().min(1).max(3600).nullable().default(3),
  })
  .superRefine((v, ctx) => {
    if (v.connectTimeout !== null && v.service.protocol !== 'TCP')
      ctx.addIssue({ code: 'custom', path: ['connectTimeout'], message: 'TCP_CHECK is only rendered for TCP services' });
  });
export type KeepalivedVirtualServer = z.infer<typeof KeepalivedVirtualServer>;

/** A whole keepalived.conf as Fulcrum renders and imports it. */
export const KeepalivedConfig = z
  .object({
    routerId: KeepalivedName,
    /** global notify_fifo: every VRRP (and checker) state change, written the moment it happens. */
    notifyFifo: ConfigPath.nullable().default(null),
    /** vrrp_notify_fifo: VRRP state changes only. */
    vrrpNotifyFifo: ConfigPath.nullable().default(null),
    /** lvs_sync_daemon: the kernel connection-sync daemon follows this instance's MASTER/BACKUP state. */
    syncDaemon: z.object({ interface: InterfaceName, instance: KeepalivedName, syncId: z.number().int().min(0).max(255).nullable().default(null) }).nullable().default(null),
    instances: z.array(VrrpInstance).max(255).default([]),
    virtualServers: z.array(KeepalivedVirtualServer).max(5000).default([]),
  })
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    const vrids = new Set<string>();
    c.instances.forEach((i, n) => {
      if (names.has(i.name)) ctx.addIssue({ code: 'custom', path: ['instances', n, 'name'], message: `Duplicate instance ${i.name}` });
      names.add(i.name);
      const fam = addressFamily(i.virtualIpAddresses[0]?.address ?? '0.0.0.0');
      const vrid = `${i.interface}/${fam}/${i.virtualRouterId}`;
      if (vrids.has(vrid)) ctx.addIssue({ code: 'custom', path: ['instances', n, 'virtualRouterId'], message: `virtual_router_id ${i.virtualRouterId} used twice on ${i.interface}` });
      vrids.add(vrid);
    });
    if (c.syncDaemon && !names.has(c.syncDaemon.instance)) ctx.addIssue({ code: 'custom', path: ['syncDaemon', 'instance'], message: `No vrrp_instance ${c.syncDaemon.instance}` });
    const keys = new Set<string>();
    c.virtualServers.forEach((v, n) => {
      const k = serviceKey(v.service);
      if (keys.has(k)) ctx.addIssue({ code: 'custom', path: ['virtualServers', n], message: `Duplicate virtual_server ${k}` });
      keys.add(k);
      if (v.service.protocol === 'FWMARK' && serviceFamily(v.service) === 'ipv6' && v.service.destinations.length === 0 && v.service.persistencePrefix === null) {
        // fine: ip_family inet6 carries the family
      }
    });
  });
export type KeepalivedConfig = z.infer<typeof KeepalivedConfig>;
/** Input form (defaults optional). */
export type KeepalivedConfigInput = z.input<typeof KeepalivedConfig>;
