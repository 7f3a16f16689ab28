import type { Tx } from '../db';
import { AppError } from '../errors/app-error';

/**
 * The error for an update or delete whose version no longer matches: NOT_FOUND when the object is
 * gone, else CONFLICT naming who changed it, when, and how — taken from the audit log — so the
 * operator knows what to re-check instead of overwriting someone else's edit.
 */
export async function staleEditError(tx: Tx, options: { objectType: string; objectId: string; label: string; exists: boolean; expectedVersion: number }): Promise<AppError> {
  if (!options.exists) return new AppError('NOT_FOUND', `${options.label} no longer exists (deleted by someone else?)`);
  const last = await tx.auditEvent.findFirst({
    where: { objectType: options.objectType, objectId: options.objectId },
    orderBy: { createdAt: 'desc' },
    select: { actorName: true, createdAt: true, summary: true },
  });
  const what = last ? `: ${last.actorName} changed it at ${last.createdAt.toISOString()} (${last.summary})` : '';
  return new AppError('CONFLICT', `${options.label} was changed after you loaded it${what}. Reload to see the current values, then edit again.`);
}
