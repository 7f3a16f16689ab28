import type { ObjectRef } from '@fulcrum/lvs/estate/common';
import { canonicalAddress, type CreateHaPairInput, type UpdateHaPairInput } from '@fulcrum/lvs/estate/ha-pair';
import { assertRole, type Actor } from '../auth/actor';
import { HA_PAIR_FIELDS } from './ha-pair-fields';
import { commitChange } from '../audit/commit-change';
import { staleEditError } from '../audit/stale-edit';
import type { Db, Tx } from '../db';
import { AppError, fieldError, mapUniqueViolation, type FieldErrors } from '../errors/app-error';

// authSecret is selected for the audit (which records only whether it is set), never returned.
const PAIR_SELECT = { ...HA_PAIR_FIELDS, clusterId: true, preventPortReuseLeaks: true, version: true } as const;

type PairRow = { authSecret: string | null } & Record<string, unknown>;

function withoutSecret<T extends PairRow>(pair: T) {
  const { authSecret, ...rest } = pair;
  return { ...rest, hasAuthSecret: authSecret !== null };
}

type PairFields = Omit<CreateHaPairInput, 'clusterId' | 'authSecret' | 'natGatewayIp'> & { natGatewayIp?: string | null };

/** Rules that need the database: directors of this cluster, names, VRIDs and VIPs not taken elsewhere. */
async function checkPairAgainstCluster(tx: Tx, clusterId: string, pair: PairFields, selfId: string | null): Promise<void> {
  const problems: FieldErrors = {};
  const add = (field: string, message: string) => (problems[field] ??= []).push(message);
  const nodeIds = [pair.primaryNodeId, ...(pair.secondaryNodeId ? [pair.secondaryNodeId] : [])];
  const nodes = await tx.node.findMany({ where: { id: { in: nodeIds } }, select: { id: true, clusterId: true, role: true, name: true } });
  for (const [field, id] of [['primaryNodeId', pair.primaryNodeId], ['secondaryNodeId', pair.secondaryNodeId]] as const) {
    if (id === null) continue;
    const node = nodes.find((n) => n.id === id);
    if (!node || node.clusterId !== clusterId) add(field, 'Choose a director of this cluster');
    else if (node.role !== 'DIRECTOR') add(field, `${node.name} is a real server, not a director`);
  }
  const others = await tx.haPair.findMany({
    where: { clusterId, ...(selfId ? { id: { not: selfId } } : {}) },
    select: { name: true, interface: true, virtualRouterId: true, vips: true },
  });
  if (others.some((o) => o.name === pair.name)) add('name', `An HA pair named "${pair.name}" already exists in this cluster`);
  const sameVrid = others.find((o) => o.interface === pair.interface && o.virtualRouterId === pair.virtualRouterId);
  if (sameVrid) add('virtualRouterId', `Virtual router id ${pair.virtualRouterId} is already used on ${pair.interface} by pair ${sameVrid.name}`);
  const taken = new Map<string, string>();
  for (const other of others) for (const vip of other.vips) taken.set(canonicalAddress(vip), other.name);
  for (const vip of pair.vips) {
    const owner = taken.get(canonicalAddress(vip));
    if (owner) add('vips', `VIP ${vip} is already carried by pair ${owner}`);
  }
  if (Object.keys(problems).length > 0) {
    const first = Object.values(problems)[0]?.[0] ?? 'Invalid HA pair';
    throw new AppError(problems.name || problems.virtualRouterId || problems.vips ? 'DUPLICATE' : 'VALIDATION', first, { fieldErrors: problems });
  }
}

function pairData(pair: PairFields) {
  return {
    name: pair.name,
    interface: pair.interface,
    virtualRouterId: pair.virtualRouterId,
    advertInterval: pair.advertInterval,
    primaryNodeId: pair.primaryNodeId,
    primaryPriority: pair.primaryPriority,
    secondaryNodeId: pair.secondaryNodeId,
    secondaryPriority: pair.secondaryPriority,
    primaryUnicastIp: pair.primaryUnicastIp,
    secondaryUnicastIp: pair.secondaryUnicastIp,
    vips: pair.vips.map(canonicalAddress),
    // undefined (an update that does not mention it) keeps the stored gateway: Prisma skips undefined.
    natGatewayIp: pair.natGatewayIp == null ? pair.natGatewayIp : canonicalAddress(pair.natGatewayIp),
    // undefined keeps the stored override; null follows the cluster's setting.
    preventPortReuseLeaks: pair.preventPortReuseLeaks,
  };
}

function rethrowDuplicate<T>(run: () => Promise<T>): Promise<T> {
  return mapUniqueViolation(run, () => new AppError('DUPLICATE', 'Another HA pair with this name or virtual router id was just created: reload and try again'));
}

/** Creates an HA pair (admin): one or two directors sharing VIPs through one vrrp_instance. */
export async function createHaPair(options: { db: Db; actor: Actor; input: CreateHaPairInput }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  return rethrowDuplicate(() =>
    commitChange(db, { actor, clusterId: input.clusterId }, async (tx) => {
      if ((await tx.cluster.count({ where: { id: input.clusterId } })) === 0) throw new AppError('NOT_FOUND', 'That cluster does not exist');
      await checkPairAgainstCluster(tx, input.clusterId, input, null);
      const pair = await tx.haPair.create({ data: { ...pairData(input), clusterId: input.clusterId, authSecret: input.authSecret }, select: PAIR_SELECT });
      return { result: withoutSecret(pair), audit: { action: 'haPair.create', objectType: 'HaPair', objectId: pair.id, summary: `created HA pair ${pair.name} (VRID ${pair.virtualRouterId} on ${pair.interface})`, after: pair } };
    }),
  );
}

async function loadPairForEdit(tx: Tx, ref: ObjectRef) {
  const pair = await tx.haPair.findUnique({ where: { id: ref.id }, select: PAIR_SELECT });
  if (!pair || pair.version !== ref.version) {
    throw await staleEditError(tx, { objectType: 'HaPair', objectId: ref.id, label: `HA pair ${pair?.name ?? ''}`.trim(), exists: pair !== null, expectedVersion: ref.version });
  }
  return pair;
}

async function clusterOfPair(db: Db, id: string): Promise<string> {
  const pair = await db.haPair.findUnique({ where: { id }, select: { clusterId: true } });
  if (!pair) throw new AppError('NOT_FOUND', 'That HA pair no longer exists');
  return pair.clusterId;
}

/** Replaces an HA pair's settings (admin); a VIP still used by a service cannot be dropped. */
export async function updateHaPair(options: { db: Db; actor: Actor; input: UpdateHaPairInput }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  const clusterId = await clusterOfPair(db, input.id);
  return rethrowDuplicate(() =>
    commitChange(db, { actor, clusterId }, async (tx) => {
      const before = await loadPairForEdit(tx, input);
      await checkPairAgainstCluster(tx, clusterId, input, input.id);
      const kept = new Set(input.vips.map(canonicalAddress));
      const services = await tx.virtualService.findMany({ where: { haPairId: input.id, address: { not: null } }, select: { address: true, serviceKey: true } });
      const orphaned = services.filter((s) => s.address !== null && !kept.has(canonicalAddress(s.address)));
      if (orphaned.length > 0) {
        throw fieldError('vips', `Still used by ${orphaned.map((s) => s.serviceKey).join(', ')}: move or delete those services first`, 'IN_USE');
      }
      const updated = await tx.haPair.updateMany({
        where: { id: input.id, version: input.version },
        data: { ...pairData(input), ...(input.authSecret !== undefined ? { authSecret: input.authSecret } : {}), version: { increment: 1 } },
      });
      if (updated.count !== 1) throw await staleEditError(tx, { objectType: 'HaPair', objectId: input.id, label: `HA pair ${before.name}`, exists: true, expectedVersion: input.version });
      const after = await tx.haPair.findUniqueOrThrow({ where: { id: input.id }, select: PAIR_SELECT });
      return { result: withoutSecret(after), audit: { action: 'haPair.update', objectType: 'HaPair', objectId: input.id, summary: `updated HA pair ${after.name}`, before, after } };
    }),
  );
}

/** Deletes an HA pair (admin); refuses while services still live on it. */
export async function deleteHaPair(options: { db: Db; actor: Actor; input: ObjectRef }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  const clusterId = await clusterOfPair(db, input.id);
  return commitChange(db, { actor, clusterId }, async (tx) => {
    const before = await loadPairForEdit(tx, input);
    const services = await tx.virtualService.findMany({ where: { haPairId: input.id }, select: { serviceKey: true } });
    if (services.length > 0) throw new AppError('IN_USE', `HA pair ${before.name} still carries ${services.map((s) => s.serviceKey).join(', ')}: delete or move those services first`);
    await tx.haPair.delete({ where: { id: input.id } });
    return { result: { id: input.id }, audit: { action: 'haPair.delete', objectType: 'HaPair', objectId: input.id, summary: `deleted HA pair ${before.name}`, before } };
  });
}
