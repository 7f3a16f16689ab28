import { z } from 'zod';
import { isIP } from 'node:net';

/** Kernel IPVS schedulers (ip_vs_<name> modules) an operator can choose. */
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;
/** An IPVS scheduler name. */
export const Scheduler = z.enum(SCHEDULERS, { error: () => `Scheduler must be one of ${SCHEDULERS.join(', ')}` });
export type Scheduler = z.infer<typeof Scheduler>;

/** How a director forwards packets to a real server: direct routing, IP-in-IP tunnel or masquerading. */
export const FORWARDING_METHODS = ['DR', 'TUN', 'NAT'] as const;
/** A forwarding method. */
export const ForwardingMethod = z.enum(FORWARDING_METHODS, { error: () => 'Forwarding must be DR, TUN or NAT' });
export type ForwardingMethod = z.infer<typeof ForwardingMethod>;

/** Virtual service protocols: TCP/UDP address+port services, or firewall-mark services. */
export const SERVICE_PROTOCOLS = ['TCP', 'UDP', 'FWMARK'] as const;
/** A virtual service protocol. */
export const ServiceProtocol = z.enum(SERVICE_PROTOCOLS, { error: () => 'Protocol must be TCP, UDP or FWMARK' });
export type ServiceProtocol = z.infer<typeof ServiceProtocol>;

/** An IPv4 address in dotted-quad form, no leading zeros, no prefix. */
export const Ipv4Address = z
  .string({ error: 'Address is required' })
  .trim()
  .max(15, 'Not an IPv4 address')
  .refine((s) => isIP(s) === 4, { error: 'Not a valid IPv4 address (expected e.g. 192.168.241.11)' });

/** An IPv6 address (compressed or full form, no zone id, no prefix). */
export const Ipv6Address = z
  .string({ error: 'Address is required' })
  .trim()
  .max(45, 'Not an IPv6 address')
  .refine((s) => isIP(s) === 6 && !s.includes('%'), { error: 'Not a valid IPv6 address (expected e.g. 2001:db8::10)' });

/** An IPv4 or IPv6 address as an operator types it. */
export const IpAddress = z
  .string({ error: 'Address is required' })
  .trim()
  .min(1, 'Address is required')
  .max(45, 'Not an IP address')
  .refine((s) => isIP(s) !== 0 && !s.includes('%'), {
    error: 'Not a valid IP address (expected IPv4 like 192.168.241.11 or IPv6 like 2001:db8::10)',
  });

/** Address family of a valid address. */
export function addressFamily(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** A TCP/UDP port, 1–65535. */
export const Port = z
  .number({ error: 'Port must be a number' })
  .int('Port must be a whole number')
  .min(1, 'Port must be between 1 and 65535')
  .max(65535, 'Port must be between 1 and 65535');

/** An IPVS destination weight, 0–65535 (0 = quiesced: no new connections). */
export const Weight = z
  .number({ error: 'Weight must be a number' })
  .int('Weight must be a whole number')
  .min(0, 'Weight must be between 0 and 65535')
  .max(65535, 'Weight must be between 0 and 65535');

/** A firewall mark for FWMARK services, 1–2^32-1. */
export const Fwmark = z
  .number({ error: 'Firewall mark must be a number' })
  .int('Firewall mark must be a whole number')
  .min(1, 'Firewall mark must be between 1 and 4294967295')
  .max(4294967295, 'Firewall mark must be between 1 and 4294967295');

/** Persistence timeout in seconds: 0 = off; the kernel accepts up to 2^31-1 but a day-plus is a mistake. */
export const PersistenceTimeout = z
  .number({ error: 'Persistence must be a number of seconds' })
  .int('Persistence must be a whole number of seconds')
  .min(0, 'Persistence must be between 0 (off) and 86400 seconds')
  .max(86400, 'Persistence must be between 0 (off) and 86400 seconds');

/** Persistence netmask as a prefix length (IPv4 0–32, IPv6 0–128; checked against the family by the service schema). */
export const PersistencePrefix = z
  .number({ error: 'Persistence netmask must be a prefix length' })
  .int('Persistence netmask must be a whole prefix length')
  .min(0, 'Persistence netmask must be a prefix length from 0 to 128')
  .max(128, 'Persistence netmask must be a prefix length from 0 to 128');

/** VRRP virtual router id, 1–255. */
export const VirtualRouterId = z
  .number({ error: 'Virtual router id must be a number' })
  .int('Virtual router id must be a whole number')
  .min(1, 'Virtual router id must be between 1 and 255')
  .max(255, 'Virtual router id must be between 1 and 255');

/** VRRP priority, 1–254 (255 is reserved for the address owner). */
export const VrrpPriority = z
  .number({ error: 'Priority must be a number' })
  .int('Priority must be a whole number')
  .min(1, 'Priority must be between 1 and 254')
  .max(254, 'Priority must be between 1 and 254');

/** VRRP advertisement interval in seconds (keepalived accepts 0.01–255). */
export const AdvertInterval = z
  .number({ error: 'Advert interval must be a number of seconds' })
  .min(0.01, 'Advert interval must be between 0.01 and 255 seconds')
  .max(255, 'Advert interval must be between 0.01 and 255 seconds');

/** A Linux network interface name: 1–15 chars, no slash, whitespace, colon or shell metacharacters. */
export const InterfaceName = z
  .string({ error: 'Interface is required' })
  .trim()
  .min(1, 'Interface is required')
  .max(15, 'Interface names are at most 15 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'Interface name may contain only letters, digits, ".", "_" and "-"');

/**
 * A human name for a cluster, node, pair or service: printable, one line, no shell or
 * keepalived-config metacharacters — names end up in keepalived.conf and in log lines.
 */
export const ObjectName = z
  .string({ error: 'Name is required' })
  .trim()
  .min(1, 'Name is required')
  .max(63, 'Name must be at most 63 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'Name may contain only letters, digits, spaces, ".", "_" and "-", and must start with a letter or digit');

/** A DNS host name or IP address used to reach a node's management plane. */
export const ManagementAddress = z
  .string({ error: 'Management address is required' })
  .trim()
  .min(1, 'Management address is required')
  .max(253, 'Management address must be at most 253 characters')
  .refine(
    (s) => (isIP(s) !== 0 && !s.includes('%')) || /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(s),
    { error: 'Management address must be an IP address or a DNS host name' },
  );

/** A VRRP PASS authentication secret: keepalived uses at most 8 characters; printable, no quotes or spaces. */
export const VrrpAuthSecret = z
  .string()
  .min(1, 'Auth secret must not be empty')
  .max(8, 'VRRP PASS authentication uses at most 8 characters')
  .regex(/^[\x21-\x7e]+$/, 'Auth secret may contain only printable characters without spaces')
  .refine((s) => !/["'\\#!{}]/.test(s), { error: 'Auth secret must not contain quotes, backslashes, #, ! or braces' });
