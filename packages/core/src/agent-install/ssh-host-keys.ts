import type { HostKey } from '@fulcrum/installer/host-key';
import { scanHostKey } from '@fulcrum/installer/ssh-session';
import { InstallError } from '@fulcrum/installer/install-error';
import { assertRole, type Actor } from '../auth/actor';
import type { Db } from '../db';
import { AppError } from '../errors/app-error';

/** A host key as seen now, and whether Fulcrum already trusts it. */
export type HostKeyTrust = HostKey & { host: string; port: number; trust: 'NEW' | 'TRUSTED' | 'CHANGED'; trustedFingerprint: string | null };

/** The installer's errors as domain errors (for calls answered at once, not through an operation's steps). */
export function toAppError(error: unknown): never {
  if (error instanceof InstallError) throw new AppError(error.code === 'UNREACHABLE' ? 'HOST_UNREACHABLE' : 'VALIDATION', error.message, { cause: error });
  throw error;
}

/** The fingerprint Fulcrum trusts for host:port, or null. */
export async function trustedHostKey(db: Db, host: string, port: number): Promise<{ algorithm: string; fingerprint: string } | null> {
  return db.sshHostKey.findUnique({ where: { host_port: { host, port } }, select: { algorithm: true, fingerprint: true } });
}

/** Reads a host's SSH key (no login) and compares it with the trusted one (admin). */
export async function scanSshHostKey(options: { db: Db; actor: Actor; input: { host: string; port: number } }): Promise<HostKeyTrust> {
  assertRole(options.actor, 'ADMIN');
  const { host, port } = options.input;
  const seen = await scanHostKey({ host, port }).catch(toAppError);
  const trusted = await trustedHostKey(options.db, host, port);
  const trust = trusted === null ? 'NEW' : trusted.fingerprint === seen.fingerprint ? 'TRUSTED' : 'CHANGED';
  return { host, port, ...seen, trust, trustedFingerprint: trusted?.fingerprint ?? null };
}

/** Records a host key as trusted after a connection verified it (audited). */
export async function trustSshHostKey(options: { db: Db; actor: Actor; clusterId: string; host: string; port: number; key: HostKey }): Promise<void> {
  const { db, actor, host, port, key } = options;
  await db.$transaction(async (tx) => {
    await tx.sshHostKey.upsert({
      where: { host_port: { host, port } },
      create: { host, port, algorithm: key.algorithm, fingerprint: key.fingerprint, trustedBy: actor.username },
      update: { algorithm: key.algorithm, fingerprint: key.fingerprint, trustedBy: actor.username, trustedAt: new Date() },
    });
    await tx.auditEvent.create({
      data: { clusterId: options.clusterId, actorId: actor.userId, actorName: actor.username, action: 'ssh.hostkey.trust', objectType: 'SshHostKey', objectId: null, summary: `trusted SSH host key ${key.algorithm} ${key.fingerprint} for ${host}:${port}`, after: { host, port, ...key } },
    });
  });
}

/** Forgets the trusted key of host:port (admin, audited): the next install asks for confirmation again. */
export async function forgetSshHostKey(options: { db: Db; actor: Actor; input: { host: string; port: number } }): Promise<{ forgotten: boolean }> {
  assertRole(options.actor, 'ADMIN');
  const { db, actor } = options;
  const { host, port } = options.input;
  return db.$transaction(async (tx) => {
    const existing = await tx.sshHostKey.findUnique({ where: { host_port: { host, port } } });
    if (!existing) return { forgotten: false };
    await tx.sshHostKey.delete({ where: { id: existing.id } });
    await tx.auditEvent.create({
      data: { clusterId: null, actorId: actor.userId, actorName: actor.username, action: 'ssh.hostkey.forget', objectType: 'SshHostKey', objectId: existing.id, summary: `forgot the SSH host key ${existing.fingerprint} of ${host}:${port}`, before: { host, port, algorithm: existing.algorithm, fingerprint: existing.fingerprint } },
    });
    return { forgotten: true };
  });
}
