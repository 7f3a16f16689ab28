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
}

/** Fields an operator sets on a virtual service (before cross-field checks). */
export const VirtualServiceFields = z.object(serviceShape);
export type VirtualServiceFields = z.infer<typeof VirtualServiceFields>;

/** Input to create a virtual service on an HA pair. */
export const CreateVirtualServiceInput = z.object({ ...serviceShape, clusterId: Id }).superRefine(checkService);
export type CreateVirtualServiceInput = z.infer<typeof CreateVirtualServiceInput>;

/** Input to replace a virtual service's fields at a known version. */
export const UpdateVirtualServiceInput = z.object({ ...serviceShape, id: Id, version: Version }).superRefine(checkService);
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
