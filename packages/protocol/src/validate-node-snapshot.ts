// The wire-contract check of a compiled snapshot, with NodeSnapshot's result, but without re-checking
// what an earlier push already checked. At 10,000 destinations a full NodeSnapshot.safeParse costs
// about 40 ms per director (twice that with health checks) on every change, although a change
// touches one service or a few: the rest of the snapshot is byte-for-byte what was checked before.
import type { z } from 'zod';
import { VirtualService } from '@fulcrum/lvs/model/ipvs';
import { HealthCheck, MAX_HEALTH_CHECKS, NodeSnapshot } from './snapshot';

/** The first thing NodeSnapshot refuses in a snapshot, with its path. */
export type SnapshotIssue = { message: string; path: PropertyKey[] };

/**
 * JSON text kept as keys by each cache, at most. A 10,000-destination director needs ~1.2 M, so the
 * server's default holds about six such clusters (with their parsed values, some tens of MB); past
 * that the least recently used go, and a snapshot not found is simply validated in full again. An
 * agent sees one node's snapshots only and keeps less (setSnapshotValidationCacheLimit).
 */
let MAX_CACHED_CHARS = 8 * 1024 * 1024;

/** Sets how much JSON text the validation caches keep (chars per cache). */
export function setSnapshotValidationCacheLimit(chars: number): void {
  MAX_CACHED_CHARS = Math.max(0, Math.floor(chars));
}

/**
 * What `schema` made of each value it accepted, remembered by the value's JSON text: the schemas are
 * pure, so the same text always parses to the same result. Least recently used entries go first.
 * The same object (the compiler shares a service between the directors of its pair) is looked up
 * without serialising it again. Results are shared by every snapshot holding the value: read-only.
 */
function createParseCache<T>(schema: z.ZodType<T>) {
  const parsed = new Map<string, T>();
  const byObject = new WeakMap<object, T>();
  let chars = 0;
  return (value: object): { ok: true; data: T } | { ok: false; issue: SnapshotIssue } => {
    const same = byObject.get(value);
    if (same !== undefined) return { ok: true, data: same };
    const key = JSON.stringify(value);
    const hit = parsed.get(key);
    if (hit !== undefined) {
      parsed.delete(key);
      parsed.set(key, hit);
      byObject.set(value, hit);
      return { ok: true, data: hit };
    }
    const result = schema.safeParse(value);
    if (!result.success) return { ok: false, issue: firstIssue(result.error) };
    parsed.set(key, result.data);
    byObject.set(value, result.data);
    chars += key.length;
    for (const [old] of parsed) {
      if (chars <= MAX_CACHED_CHARS) break;
      parsed.delete(old);
      chars -= old.length;
    }
    return { ok: true, data: result.data };
  };
}

const parseService = createParseCache(VirtualService);
const parseHealthCheck = createParseCache(HealthCheck);

function firstIssue(error: z.ZodError): SnapshotIssue {
  const issue = error.issues[0];
  return { message: issue?.message ?? 'invalid', path: issue?.path ?? [] };
}

/**
 * Validates a compiled snapshot against NodeSnapshot and returns what NodeSnapshot.safeParse would.
 * A director's services (with their destinations) and health checks go through their own schemas
 * one by one, through the caches; everything else — and the table-wide rules (no duplicate service,
 * at most so many) — goes through NodeSnapshot itself on every call, with the services' destinations
 * left out (each service was checked whole already) and the health checks counted here.
 */
export function validateNodeSnapshot(input: z.input<typeof NodeSnapshot> | unknown): { ok: true; data: NodeSnapshot } | { ok: false; issue: SnapshotIssue } {
  // Anything not shaped like a director snapshot (a real server's, or untrusted garbage off the wire)
  // goes through NodeSnapshot whole, which names the first problem.
  if (!isWalkableDirector(input)) {
    const result = NodeSnapshot.safeParse(input);
    return result.success ? { ok: true, data: result.data } : { ok: false, issue: firstIssue(result.error) };
  }
  const node = input;
  const services: VirtualService[] = [];
  for (const [i, service] of node.ipvs.services.entries()) {
    const result = parseService(service);
    if (!result.ok) return { ok: false, issue: { message: result.issue.message, path: ['ipvs', 'services', i, ...result.issue.path] } };
    services.push(result.data);
  }
  const rest = NodeSnapshot.safeParse({ ...node, ipvs: { services: node.ipvs.services.map((s) => ({ ...s, destinations: [] })) }, healthChecks: [] });
  if (!rest.success) return { ok: false, issue: firstIssue(rest.error) };
  const checks = node.healthChecks ?? [];
  if (checks.length > MAX_HEALTH_CHECKS) return { ok: false, issue: { message: `Too big: expected array to have <=${MAX_HEALTH_CHECKS} items`, path: ['healthChecks'] } };
  const healthChecks: HealthCheck[] = [];
  for (const [i, check] of checks.entries()) {
    const result = parseHealthCheck(check);
    if (!result.ok) return { ok: false, issue: { message: result.issue.message, path: ['healthChecks', i, ...result.issue.path] } };
    healthChecks.push(result.data);
  }
  // Same keys in the same order as NodeSnapshot's own output: ipvs and healthChecks are replaced in place.
  return { ok: true, data: { ...rest.data, ipvs: { services }, healthChecks } as NodeSnapshot };
}

type WalkableDirector = { role: 'DIRECTOR'; ipvs: { services: object[] }; healthChecks?: object[] } & Record<string, unknown>;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function isWalkableDirector(value: unknown): value is WalkableDirector {
  if (!isPlainObject(value) || value.role !== 'DIRECTOR' || !isPlainObject(value.ipvs)) return false;
  const services = value.ipvs.services;
  const checks = value.healthChecks;
  return Array.isArray(services) && services.every(isPlainObject) && (checks === undefined || (Array.isArray(checks) && checks.every(isPlainObject)));
}
