import { Username, NewPassword, type ChangePasswordInput, type CreateUserInput, type UpdateUserInput } from '@fulcrum/lvs/estate/user';
import { assertRole, type Actor } from '../auth/actor';
import { generatePassword, hashPassword, verifyPassword } from '../auth/passwords';
import { commitChange } from '../audit/commit-change';
import { staleEditError } from '../audit/stale-edit';
import type { Db } from '../db';
import { AppError, fieldError, isUniqueViolation } from '../errors/app-error';

const USER_SELECT = { id: true, username: true, displayName: true, role: true, disabled: true, mustChangePassword: true, version: true, createdAt: true } as const;

/** Every user (admin). */
export async function listUsers(options: { db: Db; actor: Actor }) {
  assertRole(options.actor, 'ADMIN');
  return options.db.user.findMany({ orderBy: { username: 'asc' }, select: USER_SELECT });
}

/** Creates a local user (admin). */
export async function createUser(options: { db: Db; actor: Actor; input: CreateUserInput }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  const passwordHash = await hashPassword(input.password);
  try {
    return await commitChange(db, { actor, clusterId: null }, async (tx) => {
      const user = await tx.user.create({ data: { username: input.username, displayName: input.displayName, role: input.role, passwordHash }, select: USER_SELECT });
      return { result: user, audit: { action: 'user.create', objectType: 'User', objectId: user.id, summary: `created user ${user.username} (${user.role.toLowerCase()})`, after: user } };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw fieldError('username', `User ${input.username} already exists`, 'DUPLICATE');
    throw error;
  }
}

/** Changes a user's role, display name or disabled flag (admin); never leaves the system without an admin. */
export async function updateUser(options: { db: Db; actor: Actor; input: UpdateUserInput }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  return commitChange(db, { actor, clusterId: null }, async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.id }, select: USER_SELECT });
    if (!before || before.version !== input.version) {
      throw await staleEditError(tx, { objectType: 'User', objectId: input.id, label: `User ${before?.username ?? ''}`.trim(), exists: before !== null, expectedVersion: input.version });
    }
    const losesAdmin = before.role === 'ADMIN' && !before.disabled && (input.role !== 'ADMIN' || input.disabled);
    if (losesAdmin && (await tx.user.count({ where: { role: 'ADMIN', disabled: false } })) <= 1) {
      throw fieldError('role', 'This is the last active admin: make someone else admin first', 'IN_USE');
    }
    const after = await tx.user.update({ where: { id: input.id }, data: { displayName: input.displayName, role: input.role, disabled: input.disabled, version: { increment: 1 } }, select: USER_SELECT });
    // A disabled user or a demoted admin must not keep acting through an open session.
    if (input.disabled || input.role !== before.role) await tx.session.deleteMany({ where: { userId: input.id } });
    return { result: after, audit: { action: 'user.update', objectType: 'User', objectId: input.id, summary: `updated user ${after.username}`, before, after } };
  });
}

/** Sets a new random password for a user (admin); shown once, to be changed at next login. */
export async function resetUserPassword(options: { db: Db; actor: Actor; input: { id: string } }) {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  await commitChange(db, { actor, clusterId: null }, async (tx) => {
    const user = await tx.user.findUnique({ where: { id: input.id }, select: { username: true } });
    if (!user) throw new AppError('NOT_FOUND', 'That user no longer exists');
    await tx.user.update({ where: { id: input.id }, data: { passwordHash, mustChangePassword: true, version: { increment: 1 } } });
    await tx.session.deleteMany({ where: { userId: input.id } });
    return { result: null, audit: { action: 'user.resetPassword', objectType: 'User', objectId: input.id, summary: `reset the password of ${user.username}` } };
  });
  return { password };
}

/** Changes one's own password after checking the current one. */
export async function changeOwnPassword(options: { db: Db; actor: Actor; input: ChangePasswordInput }) {
  const { db, actor, input } = options;
  if (!actor.userId) throw new AppError('UNAUTHORIZED', 'Log in first');
  const user = await db.user.findUnique({ where: { id: actor.userId }, select: { passwordHash: true } });
  if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash))) throw fieldError('currentPassword', 'Current password is wrong', 'VALIDATION');
  if (input.currentPassword === input.newPassword) throw fieldError('newPassword', 'Choose a password different from the current one');
  const passwordHash = await hashPassword(input.newPassword);
  await commitChange(db, { actor, clusterId: null }, async (tx) => {
    await tx.user.update({ where: { id: actor.userId! }, data: { passwordHash, mustChangePassword: false, version: { increment: 1 } } });
    return { result: null, audit: { action: 'user.changePassword', objectType: 'User', objectId: actor.userId, summary: `${actor.username} changed their password` } };
  });
}

/**
 * Makes sure an admin exists on first start. With no users at all, creates `username` with the given
 * password or a generated one, and returns the password so the caller can print it once.
 */
export async function ensureFirstAdmin(options: { db: Db; username?: string; password?: string }): Promise<{ username: string; password: string } | null> {
  const { db } = options;
  if ((await db.user.count()) > 0) return null;
  const username = Username.parse(options.username ?? 'admin');
  const password = options.password ?? generatePassword();
  NewPassword.parse(password);
  const passwordHash = await hashPassword(password);
  await db.$transaction(async (tx) => {
    // A concurrent first start may have won the race: the unique username settles it.
    if ((await tx.user.count()) > 0) return;
    const user = await tx.user.create({ data: { username, displayName: 'Administrator', role: 'ADMIN', passwordHash, mustChangePassword: options.password === undefined } });
    await tx.auditEvent.create({ data: { actorName: 'system', action: 'user.create', objectType: 'User', objectId: user.id, summary: `created the first admin ${username}` } });
  });
  return { username, password };
}
