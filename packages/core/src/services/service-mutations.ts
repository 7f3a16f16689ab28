import type { ObjectRef } from '@fulcrum/lvs/estate/common';
import { canonicalAddress } from '@fulcrum/lvs/estate/ha-pair';
import { checkRealServerAgainstService } from '@fulcrum/lvs/estate/real-server';
import { formatServiceKey, type CreateVirtualServiceInput, type UpdateVirtualServiceInput } from '@fulcrum/lvs/estate/virtual-service';
import { assertRole, type Actor } from '../auth/actor';
import { SERVICE_FIELDS } from './service-fields';
import { commitChange } from '../audit/commit-change';
import { staleEditError } from '../audit/stale-edit';
import type { Db, Tx } from '../db';
import { AppError, fieldError, mapUniqueViolation } from '../errors/app-error';

const SERVICE_SELECT = { ...SERVICE_FIELDS, clusterId: true, name: true, version: true } as const;

type HealthCheckKey = 'healthCheckKind' | 'healthCheckHttpPath' | 'healthCheckHttpExpectStatus' | 'healthCheckIntervalMs' | 'healthCheckTimeoutMs' | 'healthCheckRise' | 'healthCheckFall';
// Health check fields are optional on update (undefined keeps the stored value; Prisma skips undefined).
type ServiceFields = Omit<CreateVirtualServiceInput, 'clusterId' | HealthCheckKey> & Partial<Pick<CreateVirtualServiceInput, HealthCheckKey>>;

function toResult<T extends { fwmark: bigint | null }>(service: T) {
  return { ...service, fwmark: service.fwmark === null ? null : Number(service.fwmark) };
}

/** Rules that need the database: the pair is this cluster's and carries the VIP; the key is free. */
async function checkServiceAgainstCluster(tx: Tx, clusterId: string, service: ServiceFields, selfId: string | null): Promise<string> {
  const pair = await tx.haPair.findUnique({ where: { id: service.haPairId }, select: { clusterId: true, name: true, vips: true } });
  if (!pair || pair.clusterId !== clusterId) throw fieldError('haPairId', 'Choose an HA pair of this cluster');
  if (service.address !== null && !pair.vips.map(canonicalAddress).includes(canonicalAddress(service.address))) {
    throw fieldError('address', `HA pair ${pair.name} does not carry VIP ${service.address}: add it to the pair's VIPs first (carried: ${pair.vips.join(', ') || 'none'})`);
  }
  const serviceKey = formatServiceKey(service);
  const clash = await tx.virtualService.findFirst({ where: { clusterId, serviceKey, ...(selfId ? { id: { not: selfId } } : {}) }, select: { id: true } });
  if (clash) throw fieldError(service.protocol === 'FWMARK' ? 'fwmark' : 'port', `${serviceKey} already exists in this cluster`, 'DUPLICATE');
  return serviceKey;
}

function serviceData(service: ServiceFields, serviceKey: string) {
  return {
    haPairId: service.haPairId,
    name: service.name,
    protocol: service.protocol,
    address: service.address === null ? null : canonicalAddress(service.address),
    port: service.port,
    fwmark: service.fwmark === null ? null : BigInt(service.fwmark),
    serviceKey,
    scheduler: service.scheduler,
    schedulerFlags: service.schedulerFlags,
    persistenceTimeout: service.persistenceTimeout,
    persistenceNetmask: service.persistenceNetmask,
    healthCheckKind: service.healthCheckKind,
    healthCheckHttpPath: service.healthCheckHttpPath,
    healthCheckHttpExpectStatus: service.healthCheckHttpExpectStatus,
    healthCheckIntervalMs: service.healthCheckIntervalMs,
    healthCheckTimeoutMs: service.healthCheckTimeoutMs,
    healthCheckRise: service.healthCheckRise,
    healthCheckFall: service.healthCheckFall,
  };
}

function rethrowDuplicate<T>(run: () => Promise<T>): Promise<T> {
  return mapUniqueViolation(run, () => new AppError('DUPLICATE', 'The same virtual service was just created by someone else: reload and check'));
}

/** Creates a virtual service on an HA pair (operator). */
export async function createVirtualService(options: { db: Db; actor: Actor; input: CreateVirtualServiceInput }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  return rethrowDuplicate(() =>
    commitChange(db, { actor, clusterId: input.clusterId }, async (tx) => {
      if ((await tx.cluster.count({ where: { id: input.clusterId } })) === 0) throw new AppError('NOT_FOUND', 'That cluster does not exist');
      const serviceKey = await checkServiceAgainstCluster(tx, input.clusterId, input, null);
      const service = await tx.virtualService.create({ data: { ...serviceData(input, serviceKey), clusterId: input.clusterId }, select: SERVICE_SELECT });
      const persistence = service.persistenceTimeout > 0 ? `, persistence ${service.persistenceTimeout}s` : '';
      return { result: toResult(service), audit: { action: 'service.create', objectType: 'VirtualService', objectId: service.id, summary: `created ${serviceKey} (${service.scheduler}${persistence})`, after: service } };
    }),
  );
}

async function loadServiceForEdit(tx: Tx, ref: ObjectRef) {
  const service = await tx.virtualService.findUnique({ where: { id: ref.id }, select: SERVICE_SELECT });
  if (!service || service.version !== ref.version) {
    throw await staleEditError(tx, { objectType: 'VirtualService', objectId: ref.id, label: `Service ${service?.serviceKey ?? ''}`.trim(), exists: service !== null, expectedVersion: ref.version });
  }
  return service;
}

async function clusterOfService(db: Db, id: string): Promise<string> {
  const service = await db.virtualService.findUnique({ where: { id }, select: { clusterId: true } });
  if (!service) throw new AppError('NOT_FOUND', 'That virtual service no longer exists');
  return service.clusterId;
}

/** Replaces a virtual service's settings (operator); its real servers must still fit (ports, family). */
export async function updateVirtualService(options: { db: Db; actor: Actor; input: UpdateVirtualServiceInput }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  const clusterId = await clusterOfService(db, input.id);
  return rethrowDuplicate(() =>
    commitChange(db, { actor, clusterId }, async (tx) => {
      const before = await loadServiceForEdit(tx, input);
      const serviceKey = await checkServiceAgainstCluster(tx, clusterId, input, input.id);
      const realServers = await tx.realServer.findMany({ where: { virtualServiceId: input.id }, select: { address: true, port: true, forwarding: true } });
      for (const rs of realServers) {
        const problem = checkRealServerAgainstService(rs, input)[0];
        if (problem) {
          const field = problem.field === 'address' ? 'address' : input.protocol === 'FWMARK' ? 'protocol' : 'port';
          throw fieldError(field, `Real server ${rs.address}:${rs.port} would no longer fit: ${problem.message}`);
        }
      }
      const updated = await tx.virtualService.updateMany({ where: { id: input.id, version: input.version }, data: { ...serviceData(input, serviceKey), version: { increment: 1 } } });
      if (updated.count !== 1) throw await staleEditError(tx, { objectType: 'VirtualService', objectId: input.id, label: `Service ${before.serviceKey}`, exists: true, expectedVersion: input.version });
      const after = await tx.virtualService.findUniqueOrThrow({ where: { id: input.id }, select: SERVICE_SELECT });
      return { result: toResult(after), audit: { action: 'service.update', objectType: 'VirtualService', objectId: input.id, summary: `updated ${after.serviceKey}`, before, after } };
    }),
  );
}

/** Deletes a virtual service and its real servers (operator). */
export async function deleteVirtualService(options: { db: Db; actor: Actor; input: ObjectRef }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  const clusterId = await clusterOfService(db, input.id);
  return commitChange(db, { actor, clusterId }, async (tx) => {
    const before = await loadServiceForEdit(tx, input);
    const realServers = await tx.realServer.findMany({ where: { virtualServiceId: input.id }, select: { address: true, port: true, weight: true, forwarding: true } });
    await tx.virtualService.delete({ where: { id: input.id } });
    return {
      result: { id: input.id },
      audit: { action: 'service.delete', objectType: 'VirtualService', objectId: input.id, summary: `deleted ${before.serviceKey} with ${realServers.length} real server(s)`, before: { ...before, realServers } },
    };
  });
}
