import { z } from 'zod';
import {
  addressFamily,
  Fwmark,
  IpAddress,
  PersistencePrefix,
  PersistenceTimeout,
  Port,
  Scheduler,
  ServiceProtocol,
} from '../model/primitives';
import { canonicalAddress } from './ha-pair';
import { Id, Version } from './common';

/** Scheduler flags (ipvsadm -b) and the schedulers that understand them. */
export const SCHEDULER_FLAGS = {
  'sh-fallback': 'sh',
  'sh-port': 'sh',
  'mh-fallback': 'mh',
  'mh-port': 'mh',
} as const;
/** A scheduler flag name. */
export const SchedulerFlag = z.enum(Object.keys(SCHEDULER_FLAGS) as [keyof typeof SCHEDULER_FLAGS], {
  error: () => `Scheduler flag must be one of ${Object.keys(SCHEDULER_FLAGS).join(', ')}`,
});
export type SchedulerFlag = z.infer<typeof SchedulerFlag>;

/** How director agents check the real servers of a service: not at all, a TCP connect, or an HTTP GET expecting a status. */
export const HealthCheckKind = z.enum(['NONE', 'TCP', 'HTTP'], { error: () => 'Health check must be NONE, TCP or HTTP' });
export type HealthCheckKind = z.infer<typeof HealthCheckKind>;

const healthCheckFields = {
  healthCheckKind: HealthCheckKind,
  /** HTTP only: the path requested (no spaces or control characters: it goes into a request line). */
  healthCheckHttpPath: z.string().max(200, 'Path must be at most 200 characters').regex(/^\/[\x21-\x7e]*$/, 'Path must start with / and contain no spaces or control characters'),
  healthCheckHttpExpectStatus: z.number({ error: 'Expected status must be a number' }).int('Expected status must be a whole number').min(100, 'Expected status must be between 100 and 599').max(599, 'Expected status must be between 100 and 599'),
  healthCheckIntervalMs: z.number({ error: 'Interval must be a number' }).int('Interval must be whole milliseconds').min(200, 'Interval must be between 200 ms and 1 hour').max(3_600_000, 'Interval must be between 200 ms and 1 hour'),
  healthCheckTimeoutMs: z.number({ error: 'Timeout must be a number' }).int('Timeout must be whole milliseconds').min(50, 'Timeout must be between 50 ms and 60 s').max(60_000, 'Timeout must be between 50 ms and 60 s'),
  healthCheckRise: z.number({ error: 'Rise must be a number' }).int('Rise must be a whole number').min(1, 'Rise must be between 1 and 100').max(100, 'Rise must be between 1 and 100'),
  healthCheckFall: z.number({ error: 'Fall must be a number' }).int('Fall must be a whole number').min(1, 'Fall must be between 1 and 100').max(100, 'Fall must be between 1 and 100'),
};

/** Health check settings of a new service (defaults: no check; TCP/HTTP every 2 s, 1 s timeout, rise 2, fall 2). */
export const healthCheckShape = {
  healthCheckKind: healthCheckFields.healthCheckKind.default('NONE'),
  healthCheckHttpPath: healthCheckFields.healthCheckHttpPath.default('/'),
  healthCheckHttpExpectStatus: healthCheckFields.healthCheckHttpExpectStatus.default(200),
  healthCheckIntervalMs: healthCheckFields.healthCheckIntervalMs.default(2000),
  healthCheckTimeoutMs: healthCheckFields.healthCheckTimeoutMs.default(1000),
  healthCheckRise: healthCheckFields.healthCheckRise.default(2),
  healthCheckFall: healthCheckFields.healthCheckFall.default(2),
};

// On update an absent field keeps the stored value, so an edit form that predates health checks cannot reset them.
const healthCheckUpdateShape = {
  healthCheckKind: healthCheckFields.healthCheckKind.optional(),
  healthCheckHttpPath: healthCheckFields.healthCheckHttpPath.optional(),
  healthCheckHttpExpectStatus: healthCheckFields.healthCheckHttpExpectStatus.optional(),
  healthCheckIntervalMs: healthCheckFields.healthCheckIntervalMs.optional(),
  healthCheckTimeoutMs: healthCheckFields.healthCheckTimeoutMs.optional(),
  healthCheckRise: healthCheckFields.healthCheckRise.optional(),
  healthCheckFall: healthCheckFields.healthCheckFall.optional(),
};

const serviceShape = {
  haPairId: Id,
  name: z.string().trim().max(63, 'Name must be at most 63 characters').regex(/^[A-Za-z0-9 _.-]*$/, 'Name may contain only letters, digits, spaces, ".", "_" and "-"').default(''),
  protocol: ServiceProtocol,
  address: IpAddress.nullable().default(null),
  port: Port.nullable().default(null),
  fwmark: Fwmark.nullable().default(null),
  scheduler: Scheduler.default('wrr'),
  schedulerFlags: z.array(SchedulerFlag).max(4).default([]),
  persistenceTimeout: PersistenceTimeout.default(0),
  persistenceNetmask: PersistencePrefix.nullable().default(null),
  ...healthCheckShape,
};

type ServiceCheck = {
  protocol: ServiceProtocol;
  address: string | null;
  port: number | null;
  fwmark: number | null;
  scheduler: Scheduler;
  schedulerFlags: SchedulerFlag[];
  persistenceTimeout: number;
  persistenceNetmask: number | null;
  healthCheckKind?: HealthCheckKind;
  healthCheckIntervalMs?: number;
  healthCheckTimeoutMs?: number;
};

/** Cross-field rules of a virtual service. */
function checkService(service: ServiceCheck, ctx: z.RefinementCtx): void {
  if (service.protocol === 'FWMARK') {
    if (service.fwmark === null) ctx.addIssue({ code: 'custom', path: ['fwmark'], message: 'A firewall-mark service needs a mark' });
    if (service.address !== null) ctx.addIssue({ code: 'custom', path: ['address'], message: 'A firewall-mark service has no VIP address' });
    if (service.port !== null) ctx.addIssue({ code: 'custom', path: ['port'], message: 'A firewall-mark service has no port' });
  } else {
    if (service.address === null) ctx.addIssue({ code: 'custom', path: ['address'], message: `A ${service.protocol} service needs a VIP address` });
    if (service.port === null) ctx.addIssue({ code: 'custom', path: ['port'], message: `A ${service.protocol} service needs a port` });
    if (service.fwmark !== null) ctx.addIssue({ code: 'custom', path: ['fwmark'], message: 'Only firewall-mark services take a mark' });
  }
  const seen = new Set<string>();
  service.schedulerFlags.forEach((flag, index) => {
    if (SCHEDULER_FLAGS[flag] !== service.scheduler) {
      ctx.addIssue({ code: 'custom', path: ['schedulerFlags', index], message: `Flag ${flag} applies only to the ${SCHEDULER_FLAGS[flag]} scheduler` });
    }
    if (seen.has(flag)) ctx.addIssue({ code: 'custom', path: ['schedulerFlags', index], message: `Flag ${flag} is listed twice` });
    seen.add(flag);
  });
  if (service.persistenceNetmask !== null) {
    if (service.persistenceTimeout === 0) {
      ctx.addIssue({ code: 'custom', path: ['persistenceNetmask'], message: 'A persistence netmask needs a persistence timeout' });
    }
    const maxPrefix = service.address !== null && addressFamily(service.address) === 'ipv6' ? 128 : 32;
    if (service.persistenceNetmask > maxPrefix) {
      ctx.addIssue({ code: 'custom', path: ['persistenceNetmask'], message: `Persistence netmask must be a prefix length from 0 to ${maxPrefix}` });
    }
  }
  if (service.healthCheckKind === 'HTTP' && service.protocol === 'UDP') {
    ctx.addIssue({ code: 'custom', path: ['healthCheckKind'], message: 'HTTP checks need a TCP service: use a TCP check or none for UDP' });
  }
  // A check that may run longer than its interval would overlap itself.
  if (service.healthCheckKind !== undefined && service.healthCheckKind !== 'NONE' && (service.healthCheckTimeoutMs ?? 0) >= (service.healthCheckIntervalMs ?? Infinity)) {
    ctx.addIssue({ code: 'custom', path: ['healthCheckTimeoutMs'], message: 'Timeout must be shorter than the check interval' });
  }
}

/** Fields an operator sets on a virtual service (before cross-field checks). */
export const VirtualServiceFields = z.object(serviceShape);
export type VirtualServiceFields = z.infer<typeof VirtualServiceFields>;

/** Input to create a virtual service on an HA pair. */
export const CreateVirtualServiceInput = z.object({ ...serviceShape, clusterId: Id }).superRefine(checkService);
export type CreateVirtualServiceInput = z.infer<typeof CreateVirtualServiceInput>;

/** Input to replace a virtual service's fields at a known version. */
export const UpdateVirtualServiceInput = z.object({ ...serviceShape, ...healthCheckUpdateShape, id: Id, version: Version }).superRefine(checkService);
export type UpdateVirtualServiceInput = z.infer<typeof UpdateVirtualServiceInput>;

/** The identity of a service, unique per cluster: "TCP 192.168.241.11:80", "UDP [2001:db8::1]:53", "FWMARK 7". */
export function formatServiceKey(service: { protocol: ServiceProtocol; address: string | null; port: number | null; fwmark: number | bigint | null }): string {
  if (service.protocol === 'FWMARK') return `FWMARK ${String(service.fwmark)}`;
  return `${service.protocol} ${formatEndpoint(service.address ?? '', service.port ?? 0)}`;
}

/** address:port, with IPv6 in brackets. */
export function formatEndpoint(address: string, port: number): string {
  const canonical = canonicalAddress(address);
  return addressFamily(canonical) === 'ipv6' ? `[${canonical}]:${port}` : `${canonical}:${port}`;
}
