import type { ObjectRef } from '@fulcrum/lvs/estate/common';
import { canonicalAddress } from '@fulcrum/lvs/estate/ha-pair';
import {
  checkRealServerAgainstService,
  type CreateRealServerInput,
  type SetRealServerWeightInput,
  type UpdateRealServerInput,
} from '@fulcrum/lvs/estate/real-server';
import { formatEndpoint } from '@fulcrum/lvs/estate/virtual-service';
import { assertRole, type Actor } from '../auth/actor';
import { REAL_SERVER_FIELDS } from './real-server-fields';
import { commitChange } from '../audit/commit-change';
import { staleEditError } from '../audit/stale-edit';
import type { Db, Tx } from '../db';
import { AppError, fieldError, mapUniqueViolation, type FieldErrors } from '../errors/app-error';

const REAL_SERVER_SELECT = { ...REAL_SERVER_FIELDS, virtualServiceId: true, health: true, version: true } as const;

type RealServerFields = Omit<CreateRealServerInput, 'virtualServiceId'>;

/** The label operators know a real server by: "192.168.241.15:80 in TCP 192.168.241.11:80". */
function label(rs: { address: string; port: number }, serviceKey: string): string {
  return `${rs.port === 0 ? rs.address : formatEndpoint(rs.address, rs.port)} in ${serviceKey}`;
}

async function loadService(tx: Tx, id: string) {
  const service = await tx.virtualService.findUnique({ where: { id }, select: { id: true, clusterId: true, protocol: true, address: true, port: true, serviceKey: true } });
  if (!service) throw new AppError('NOT_FOUND', 'That virtual service no longer exists');
  return service;
}

/** Rules that need the database: fits its service, unique within it, node is a real server of this cluster. */
async function checkRealServer(tx: Tx, service: Awaited<ReturnType<typeof loadService>>, rs: RealServerFields, selfId: string | null): Promise<void> {
  const problems: FieldErrors = {};
  for (const problem of checkRealServerAgainstService(rs, service)) (problems[problem.field] ??= []).push(problem.message);
  if (rs.nodeId !== null) {
    const node = await tx.node.findUnique({ where: { id: rs.nodeId }, select: { clusterId: true, role: true, name: true } });
    if (!node || node.clusterId !== service.clusterId) (problems.nodeId ??= []).push('Choose a node of this cluster');
    else if (node.role !== 'REAL_SERVER') (problems.nodeId ??= []).push(`${node.name} is a director, not a real server`);
  }
  if (Object.keys(problems).length > 0) throw new AppError('VALIDATION', Object.values(problems)[0]?.[0] ?? 'Invalid real server', { fieldErrors: problems });
  const clash = await tx.realServer.findFirst({
    where: { virtualServiceId: service.id, address: canonicalAddress(rs.address), port: rs.port, ...(selfId ? { id: { not: selfId } } : {}) },
    select: { id: true },
  });
  if (clash) throw fieldError('address', `${label(rs, service.serviceKey)} already exists`, 'DUPLICATE');
}

function realServerData(rs: RealServerFields) {
  return {
    address: canonicalAddress(rs.address),
    port: rs.port,
    weight: rs.weight,
    forwarding: rs.forwarding,
    nodeId: rs.nodeId,
    upperThreshold: rs.upperThreshold,
    lowerThreshold: rs.lowerThreshold,
  };
}

function rethrowDuplicate<T>(run: () => Promise<T>): Promise<T> {
  return mapUniqueViolation(run, () => new AppError('DUPLICATE', 'The same real server was just added by someone else: reload and check'));
}

/** Adds a real server to a virtual service (operator). */
export async function createRealServer(options: { db: Db; actor: Actor; input: CreateRealServerInput }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  const clusterId = (await loadService(db, input.virtualServiceId)).clusterId;
  return rethrowDuplicate(() =>
    commitChange(db, { actor, clusterId }, async (tx) => {
      const service = await loadService(tx, input.virtualServiceId);
      await checkRealServer(tx, service, input, null);
      const rs = await tx.realServer.create({ data: { ...realServerData(input), virtualServiceId: service.id }, select: REAL_SERVER_SELECT });
      return { result: rs, audit: { action: 'realServer.create', objectType: 'RealServer', objectId: rs.id, summary: `added ${label(rs, service.serviceKey)} (${rs.forwarding}, weight ${rs.weight})`, after: rs } };
    }),
  );
}

async function loadRealServerForEdit(tx: Tx, ref: ObjectRef) {
  const rs = await tx.realServer.findUnique({ where: { id: ref.id }, select: { ...REAL_SERVER_SELECT, virtualService: { select: { serviceKey: true } } } });
  if (!rs || rs.version !== ref.version) {
    const text = rs ? `Real server ${label(rs, rs.virtualService.serviceKey)}` : 'Real server';
    throw await staleEditError(tx, { objectType: 'RealServer', objectId: ref.id, label: text, exists: rs !== null, expectedVersion: ref.version });
  }
  const { virtualService, ...row } = rs;
  return { row, serviceKey: virtualService.serviceKey };
}

async function clusterOfRealServer(db: Db, id: string): Promise<string> {
  const rs = await db.realServer.findUnique({ where: { id }, select: { virtualService: { select: { clusterId: true } } } });
  if (!rs) throw new AppError('NOT_FOUND', 'That real server no longer exists');
  return rs.virtualService.clusterId;
}

/** Replaces a real server's settings (operator). */
export async function updateRealServer(options: { db: Db; actor: Actor; input: UpdateRealServerInput }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  const clusterId = await clusterOfRealServer(db, input.id);
  return rethrowDuplicate(() =>
    commitChange(db, { actor, clusterId }, async (tx) => {
      const { row: before, serviceKey } = await loadRealServerForEdit(tx, input);
      const service = await loadService(tx, before.virtualServiceId);
      await checkRealServer(tx, service, input, input.id);
      const updated = await tx.realServer.updateMany({ where: { id: input.id, version: input.version }, data: { ...realServerData(input), version: { increment: 1 } } });
      if (updated.count !== 1) throw await staleEditError(tx, { objectType: 'RealServer', objectId: input.id, label: `Real server ${label(before, serviceKey)}`, exists: true, expectedVersion: input.version });
      const after = await tx.realServer.findUniqueOrThrow({ where: { id: input.id }, select: REAL_SERVER_SELECT });
      return { result: after, audit: { action: 'realServer.update', objectType: 'RealServer', objectId: input.id, summary: `updated ${label(after, serviceKey)}`, before, after } };
    }),
  );
}

/** Changes only a real server's configured weight (operator): the inline edit. */
export async function setRealServerWeight(options: { db: Db; actor: Actor; input: SetRealServerWeightInput }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  const clusterId = await clusterOfRealServer(db, input.id);
  return commitChange(db, { actor, clusterId }, async (tx) => {
    const { row: before, serviceKey } = await loadRealServerForEdit(tx, input);
    const updated = await tx.realServer.updateMany({ where: { id: input.id, version: input.version }, data: { weight: input.weight, version: { increment: 1 } } });
    if (updated.count !== 1) throw await staleEditError(tx, { objectType: 'RealServer', objectId: input.id, label: `Real server ${label(before, serviceKey)}`, exists: true, expectedVersion: input.version });
    const after = await tx.realServer.findUniqueOrThrow({ where: { id: input.id }, select: REAL_SERVER_SELECT });
    return {
      result: after,
      audit: { action: 'realServer.setWeight', objectType: 'RealServer', objectId: input.id, summary: `weight of ${label(after, serviceKey)} ${before.weight} → ${after.weight}`, before: { weight: before.weight }, after: { weight: after.weight } },
    };
  });
}

/** Removes a real server from its service (operator). */
export async function deleteRealServer(options: { db: Db; actor: Actor; input: ObjectRef }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  const clusterId = await clusterOfRealServer(db, input.id);
  return commitChange(db, { actor, clusterId }, async (tx) => {
    const { row: before, serviceKey } = await loadRealServerForEdit(tx, input);
    await tx.realServer.delete({ where: { id: input.id } });
    return { result: { id: input.id }, audit: { action: 'realServer.delete', objectType: 'RealServer', objectId: input.id, summary: `removed ${label(before, serviceKey)}`, before } };
  });
}
