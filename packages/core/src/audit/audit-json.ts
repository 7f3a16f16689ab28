import type { Prisma } from '@fulcrum/db/client';

// Fields that must never reach the audit log (it is readable by every viewer).
const SECRET_FIELDS = new Set(['passwordHash', 'tokenHash', 'authSecret']);
// Bookkeeping that only adds noise to a before/after view.
const NOISE_FIELDS = new Set(['createdAt', 'updatedAt', 'version']);

/**
 * A row as JSON fit for the audit log: BigInt as number, dates as ISO text, secrets replaced by
 * whether they are set (so "auth secret changed" is still visible), bookkeeping dropped.
 */
export function toAuditJson(row: Record<string, unknown> | null | undefined): Prisma.InputJsonValue | undefined {
  if (!row) return undefined;
  const out: Record<string, Prisma.InputJsonValue | null> = {};
  for (const [key, value] of Object.entries(row)) {
    if (NOISE_FIELDS.has(key)) continue;
    if (SECRET_FIELDS.has(key)) {
      out[`${key}Set`] = value !== null && value !== undefined && value !== '';
      continue;
    }
    out[key] = toJsonValue(value);
  }
  return out;
}

function toJsonValue(value: unknown): Prisma.InputJsonValue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => toJsonValue(v));
  if (typeof value === 'object') {
    const out: Record<string, Prisma.InputJsonValue | null> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
    return out;
  }
  return value as Prisma.InputJsonValue;
}
