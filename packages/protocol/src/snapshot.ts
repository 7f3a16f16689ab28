import { z } from 'zod';
import { InterfaceAddress } from '@fulcrum/lvs/commands/ip';
import { SysctlSetting } from '@fulcrum/lvs/commands/sysctl';
import { KeepalivedConfig } from '@fulcrum/lvs/keepalived/model';
import { CanonicalAddress, IpvsTable } from '@fulcrum/lvs/model/ipvs';
import { Port } from '@fulcrum/lvs/model/primitives';

/** How a director checks one real server: a TCP connect, or an HTTP GET expecting a status. */
export const HealthCheck = z.object({
  /** serviceKey + " " + destinationKey (see @fulcrum/lvs/model/ipvs): which destination this check gates. */
  serviceKey: z.string().min(1).max(80),
  destinationKey: z.string().min(1).max(60),
  address: CanonicalAddress,
  port: Port,
  kind: z.enum(['TCP', 'HTTP']),
  /** HTTP only: request path (no spaces or control characters). */
  httpPath: z.string().regex(/^\/[\x21-\x7e]*$/, 'HTTP path must start with / and contain no spaces').max(200).default('/'),
  httpExpectStatus: z.number().int().min(100).max(599).default(200),
  intervalMs: z.number().int().min(200).max(3_600_000).default(2000),
  timeoutMs: z.number().int().min(50).max(60_000).default(1000),
  /** Consecutive successes before DOWN → UP, and failures before UP → DOWN. */
  rise: z.number().int().min(1).max(100).default(2),
  fall: z.number().int().min(1).max(100).default(2),
});
export type HealthCheck = z.infer<typeof HealthCheck>;

/**
 * A director's desired state. `ipvs` carries the weights the kernel should use (0 for a drained or
 * maintained server); the agent may further set 0 for a destination its own health check finds DOWN.
 * `keepalived` is the VRRP-only config (null: no VRRP); `addresses` are VIPs a lone director holds
 * itself; `sysctls` are extra settings beyond what the plan derives (ip_forward for NAT).
 */
export const DirectorSnapshot = z.object({
  role: z.literal('DIRECTOR'),
  ipvs: IpvsTable,
  keepalived: KeepalivedConfig.nullable(),
  addresses: z.array(InterfaceAddress).max(1024).default([]),
  sysctls: z.array(SysctlSetting).max(64).default([]),
  healthChecks: z.array(HealthCheck).max(20_000).default([]),
});
export type DirectorSnapshot = z.infer<typeof DirectorSnapshot>;

/** One VIP a real server must accept, by the forwarding method its directors use for it. */
export const RealServerVip = z.object({
  address: CanonicalAddress,
  forwarding: z.enum(['DR', 'TUN', 'NAT']),
  /** NAT only: the address that must be this host's default gateway (checked, never changed). */
  gateway: CanonicalAddress.nullable().default(null),
});
export type RealServerVip = z.infer<typeof RealServerVip>;

/** A real server's desired state: the VIPs it serves (DR: on lo; TUN: on tunl0; NAT: gateway check). */
export const RealServerSnapshot = z.object({
  role: z.literal('REAL_SERVER'),
  vips: z.array(RealServerVip).max(1024),
});
export type RealServerSnapshot = z.infer<typeof RealServerSnapshot>;

/** Everything one node should be: the server sends it whole, with the cluster generation. */
export const NodeSnapshot = z.discriminatedUnion('role', [DirectorSnapshot, RealServerSnapshot]);
export type NodeSnapshot = z.infer<typeof NodeSnapshot>;
