import { createHash, randomBytes } from 'node:crypto';
import type { ObjectRef } from '@fulcrum/lvs/estate/common';
import type { CreateNodeInput, UpdateNodeInput } from '@fulcrum/lvs/estate/node';
import { assertRole, type Actor } from '../auth/actor';
import { commitChange } from '../audit/commit-change';
import { staleEditError } from '../audit/stale-edit';
import type { Db, Tx } from '../db';
import { AppError, fieldError, mapUniqueViolation } from '../errors/app-error';

const NODE_SELECT = { id: true, clusterId: true, name: true, role: true, managementAddress: true, version: true } as const;

function withDuplicateName<T>(name: string, run: () => Promise<T>): Promise<T> {
  return mapUniqueViolation(run, () => fieldError('name', `A node named "${name}" already exists in this cluster`, 'DUPLICATE'));
}

async function assertClusterExists(tx: Tx, clusterId: string): Promise<void> {
  if ((await tx.cluster.count({ where: { id: clusterId } })) === 0) throw new AppError('NOT_FOUND', 'That cluster does not exist');
}

async function loadNodeForEdit(tx: Tx, ref: ObjectRef) {
  const node = await tx.node.findUnique({ where: { id: ref.id }, select: NODE_SELECT });
  if (!node || node.version !== ref.version) {
    throw await staleEditError(tx, { objectType: 'Node', objectId: ref.id, label: `Node ${node?.name ?? ''}`.trim(), exists: node !== null, expectedVersion: ref.version });
  }
  return node;
}

/** Adds a director or real server host to a cluster (admin). */
export async function createNode(options: { db: Db; actor: Actor; input: CreateNodeInput }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  return withDuplicateName(input.name, () =>
    commitChange(db, { actor, clusterId: input.clusterId }, async (tx) => {
      await assertClusterExists(tx, input.clusterId);
      const node = await tx.node.create({
        data: { clusterId: input.clusterId, name: input.name, role: input.role, managementAddress: input.managementAddress },
        select: NODE_SELECT,
      });
      return { result: node, audit: { action: 'node.create', objectType: 'Node', objectId: node.id, summary: `added ${node.role === 'DIRECTOR' ? 'director' : 'real server'} ${node.name} (${node.managementAddress})`, after: node } };
    }),
  );
}

/** Renames a node, changes its role or management address (admin). */
export async function updateNode(options: { db: Db; actor: Actor; input: UpdateNodeInput }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  const clusterId = (await db.node.findUnique({ where: { id: input.id }, select: { clusterId: true } }))?.clusterId;
  if (!clusterId) throw new AppError('NOT_FOUND', 'That node no longer exists');
  return withDuplicateName(input.name, () =>
    commitChange(db, { actor, clusterId }, async (tx) => {
      const before = await loadNodeForEdit(tx, input);
      if (before.role === 'DIRECTOR' && input.role !== 'DIRECTOR') {
        const pairs = await tx.haPair.count({ where: { OR: [{ primaryNodeId: input.id }, { secondaryNodeId: input.id }] } });
        if (pairs > 0) throw fieldError('role', `${before.name} directs traffic in ${pairs} HA pair(s): remove it from them first`, 'IN_USE');
      }
      const updated = await tx.node.updateMany({
        where: { id: input.id, version: input.version },
        data: { name: input.name, role: input.role, managementAddress: input.managementAddress, version: { increment: 1 } },
      });
      if (updated.count !== 1) throw await staleEditError(tx, { objectType: 'Node', objectId: input.id, label: `Node ${before.name}`, exists: true, expectedVersion: input.version });
      const after = await tx.node.findUniqueOrThrow({ where: { id: input.id }, select: NODE_SELECT });
      return { result: after, audit: { action: 'node.update', objectType: 'Node', objectId: input.id, summary: `updated node ${after.name}`, before, after } };
    }),
  );
}

/** Removes a node (admin); refuses while an HA pair still uses it as a director. */
export async function deleteNode(options: { db: Db; actor: Actor; input: ObjectRef }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  const clusterId = (await db.node.findUnique({ where: { id: input.id }, select: { clusterId: true } }))?.clusterId;
  if (!clusterId) throw new AppError('NOT_FOUND', 'That node no longer exists');
  return commitChange(db, { actor, clusterId }, async (tx) => {
    const before = await loadNodeForEdit(tx, input);
    const pairs = await tx.haPair.findMany({ where: { OR: [{ primaryNodeId: input.id }, { secondaryNodeId: input.id }] }, select: { name: true } });
    if (pairs.length > 0) throw new AppError('IN_USE', `${before.name} is a director of HA pair ${pairs.map((p) => p.name).join(', ')}: change or delete the pair first`);
    await tx.node.delete({ where: { id: input.id } });
    return { result: { id: input.id }, audit: { action: 'node.delete', objectType: 'Node', objectId: input.id, summary: `removed node ${before.name}`, before } };
  });
}

/** SHA-256 of an agent token: what the database keeps. */
export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Issues (or rotates) a node's agent enrollment token (admin). The token is returned once and only
 * its hash is stored; rotating makes the previous token useless at once.
 */
export async function issueNodeToken(options: { db: Db; actor: Actor; input: { id: string } }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  const node = await db.node.findUnique({ where: { id: input.id }, select: { clusterId: true, name: true, tokenHash: true } });
  if (!node) throw new AppError('NOT_FOUND', 'That node no longer exists');
  const token = `fa_${randomBytes(32).toString('base64url')}`;
  await commitChange(db, { actor, clusterId: node.clusterId }, async (tx) => {
    await tx.node.update({ where: { id: input.id }, data: { tokenHash: hashAgentToken(token), tokenCreatedAt: new Date() } });
    return { result: null, audit: { action: node.tokenHash ? 'node.token.rotate' : 'node.token.issue', objectType: 'Node', objectId: input.id, summary: `${node.tokenHash ? 'rotated' : 'issued'} the agent token of ${node.name}` } };
  });
  return { token };
}

/** Revokes a node's agent token (admin): its agent can no longer connect. */
export async function revokeNodeToken(options: { db: Db; actor: Actor; input: { id: string } }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  const node = await db.node.findUnique({ where: { id: input.id }, select: { clusterId: true, name: true } });
  if (!node) throw new AppError('NOT_FOUND', 'That node no longer exists');
  await commitChange(db, { actor, clusterId: node.clusterId }, async (tx) => {
    await tx.node.update({ where: { id: input.id }, data: { tokenHash: null, tokenCreatedAt: null } });
    return { result: null, audit: { action: 'node.token.revoke', objectType: 'Node', objectId: input.id, summary: `revoked the agent token of ${node.name}` } };
  });
  return { id: input.id };
}
