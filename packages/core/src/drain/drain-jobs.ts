// Drain, maintenance and restore of a real server: each one commitChange (change + audit + new
// generation), so the compiler's weight 0 for DRAINING/DRAINED/MAINT reaches every director of the
// pair at once through the gateway's push on commit.
import type { Prisma } from '@fulcrum/db/client';
import { formatEndpoint } from '@fulcrum/lvs/estate/virtual-service';
import { assertRole, type Actor } from '../auth/actor';
import { commitChange } from '../audit/commit-change';
import { staleEditError } from '../audit/stale-edit';
import type { Db, Tx } from '../db';
import { AppError } from '../errors/app-error';
import type { DrainJobView, ForceDrainInput, RealServerAdminView, RestoreDrainInput, SetMaintenanceInput, StartDrainInput } from './drain-schemas';
import { servingAfterRemoval } from './drain-rules';

/** The label operators know a real server by: "192.168.241.15:80 in TCP 192.168.241.11:80". */
export function drainLabel(rs: { address: string; port: number }, serviceKey: string): string {
  return `${rs.port === 0 ? rs.address : formatEndpoint(rs.address, rs.port)} in ${serviceKey}`;
}

const ADMIN_SELECT = { id: true, adminState: true, weight: true, version: true } as const;

/** What a DrainJobView is built from. */
export const DRAIN_JOB_SELECT = {
  id: true,
  realServerId: true,
  state: true,
  restoredAt: true,
  startedAt: true,
  deadlineAt: true,
  endedAt: true,
  activeConn: true,
  inactConn: true,
  activeThreshold: true,
  requireInactiveZero: true,
  expirePersistence: true,
  previousWeight: true,
  reason: true,
  startedBy: true,
  realServer: { select: { address: true, port: true, virtualService: { select: { serviceKey: true } } } },
} as const satisfies Prisma.DrainJobSelect;

type DrainJobRow = Prisma.DrainJobGetPayload<{ select: typeof DRAIN_JOB_SELECT }>;

/** A job row as the API shows it. */
export function toDrainJobView(row: DrainJobRow): DrainJobView {
  const { id, realServer, ...rest } = row;
  return { jobId: id, label: drainLabel(realServer, realServer.virtualService.serviceKey), ...rest };
}

async function clusterOfRealServer(db: Db, id: string): Promise<string> {
  const rs = await db.realServer.findUnique({ where: { id }, select: { virtualService: { select: { clusterId: true } } } });
  if (!rs) throw new AppError('NOT_FOUND', 'That real server no longer exists');
  return rs.virtualService.clusterId;
}

/** Loads a real server with its service's other servers, checking the version the operator saw. */
async function loadForAdminChange(tx: Tx, ref: { id: string; version: number | null }) {
  const rs = await tx.realServer.findUnique({
    where: { id: ref.id },
    select: {
      ...ADMIN_SELECT,
      address: true,
      port: true,
      health: true,
      virtualService: { select: { clusterId: true, serviceKey: true, healthCheckKind: true, realServers: { select: { id: true, adminState: true, health: true } } } },
    },
  });
  const label = rs ? drainLabel(rs, rs.virtualService.serviceKey) : 'Real server';
  if (!rs || (ref.version !== null && rs.version !== ref.version)) {
    throw await staleEditError(tx, { objectType: 'RealServer', objectId: ref.id, label: rs ? `Real server ${label}` : label, exists: rs !== null, expectedVersion: ref.version ?? 0 });
  }
  return { rs, label };
}

/** Refuses (CONFIRMATION_REQUIRED) to take out the last serving real server of a service unless confirmed. */
function checkCapacity(rs: Awaited<ReturnType<typeof loadForAdminChange>>['rs'], label: string, what: string, confirm: boolean): void {
  const service = rs.virtualService;
  const left = servingAfterRemoval({ realServers: service.realServers, realServerId: rs.id, hasHealthChecks: service.healthCheckKind !== 'NONE' });
  if (left.length === 0 && !confirm) {
    throw new AppError(
      'CONFIRMATION_REQUIRED',
      `${what} ${label} leaves ${service.serviceKey} without a ready, healthy real server: clients of ${service.serviceKey} would get no answer. Confirm to go ahead anyway.`,
    );
  }
}

/** Starts a drain (operator): adminState DRAINING (kernel weight 0 on both directors), a RUNNING job, audited. */
export async function startDrain(options: { db: Db; actor: Actor; input: StartDrainInput; now?: Date }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  const clusterId = await clusterOfRealServer(db, input.realServerId);
  return commitChange(db, { actor, clusterId }, async (tx) => {
    const { rs, label } = await loadForAdminChange(tx, { id: input.realServerId, version: input.version });
    if (rs.adminState !== 'READY') throw new AppError('CONFLICT', `${label} is ${rs.adminState.toLowerCase()} already: restore it before draining it again`);
    checkCapacity(rs, label, 'Draining', input.confirm);
    const updated = await tx.realServer.updateMany({ where: { id: rs.id, version: input.version }, data: { adminState: 'DRAINING', version: { increment: 1 } } });
    if (updated.count !== 1) throw await staleEditError(tx, { objectType: 'RealServer', objectId: rs.id, label: `Real server ${label}`, exists: true, expectedVersion: input.version });
    const startedAt = options.now ?? new Date();
    const job = await tx.drainJob.create({
      data: {
        clusterId,
        realServerId: rs.id,
        previousWeight: rs.weight,
        expirePersistence: input.expirePersistence,
        requireInactiveZero: input.requireInactiveZero,
        activeThreshold: input.activeThreshold,
        deadlineAt: new Date(startedAt.getTime() + input.deadlineSeconds * 1000),
        startedAt,
        startedById: actor.userId,
        startedBy: actor.username,
        reason: 'waiting for the directors to apply weight 0',
      },
      select: DRAIN_JOB_SELECT,
    });
    const after: RealServerAdminView = await tx.realServer.findUniqueOrThrow({ where: { id: rs.id }, select: ADMIN_SELECT });
    const goal = `ActiveConn ≤ ${input.activeThreshold}${input.requireInactiveZero ? ', InActConn 0' : ''}, deadline ${input.deadlineSeconds} s${input.expirePersistence ? ', persistence templates expire' : ''}`;
    return {
      result: { job: toDrainJobView(job), realServer: after },
      audit: {
        action: 'drain.start',
        objectType: 'RealServer',
        objectId: rs.id,
        summary: `started draining ${label} (${goal})${input.confirm ? ' — confirmed although no other real server is serving' : ''}`,
        before: { adminState: rs.adminState, weight: rs.weight },
        after: { adminState: after.adminState, jobId: job.id, ...input },
      },
    };
  });
}

/** Ends a RUNNING or TIMED_OUT drain now as FORCED (operator): adminState DRAINED, audited. */
export async function forceDrain(options: { db: Db; actor: Actor; input: ForceDrainInput; now?: Date }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  const job = await db.drainJob.findUnique({ where: { id: input.jobId }, select: { clusterId: true } });
  if (!job) throw new AppError('NOT_FOUND', 'That drain job no longer exists');
  return commitChange(db, { actor, clusterId: job.clusterId }, async (tx) => {
    const row = await tx.drainJob.findUniqueOrThrow({ where: { id: input.jobId }, select: DRAIN_JOB_SELECT });
    const label = toDrainJobView(row).label;
    if ((row.state !== 'RUNNING' && row.state !== 'TIMED_OUT') || row.restoredAt !== null) {
      throw new AppError('CONFLICT', `The drain of ${label} is ${row.restoredAt ? 'restored' : row.state.toLowerCase().replace('_', ' ')} already: only a running or timed-out drain can be forced`);
    }
    const now = options.now ?? new Date();
    const ended = await tx.drainJob.updateMany({
      where: { id: row.id, state: row.state, restoredAt: null },
      data: { state: 'FORCED', endedAt: now, reason: `forced by ${actor.username} with ${row.activeConn} active connection(s) left` },
    });
    if (ended.count !== 1) throw new AppError('CONFLICT', `The drain of ${label} changed meanwhile: reload and check`);
    // Only a server still draining becomes DRAINED: one put into maintenance meanwhile stays there.
    await tx.realServer.updateMany({ where: { id: row.realServerId, adminState: 'DRAINING' }, data: { adminState: 'DRAINED', version: { increment: 1 } } });
    const after = await tx.drainJob.findUniqueOrThrow({ where: { id: row.id }, select: DRAIN_JOB_SELECT });
    return {
      result: toDrainJobView(after),
      audit: { action: 'drain.force', objectType: 'RealServer', objectId: row.realServerId, summary: `forced the drain of ${label} to end (${row.activeConn} active connection(s) left)`, before: { state: row.state }, after: { state: 'FORCED', jobId: row.id } },
    };
  });
}

/** Ends any drain or maintenance (operator): READY with the weight the drain started from, audited. */
export async function restoreRealServer(options: { db: Db; actor: Actor; input: RestoreDrainInput; now?: Date }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  const clusterId = await clusterOfRealServer(db, input.realServerId);
  return commitChange(db, { actor, clusterId }, async (tx) => {
    const { rs, label } = await loadForAdminChange(tx, { id: input.realServerId, version: null });
    if (rs.adminState === 'READY') throw new AppError('CONFLICT', `${label} is ready already: nothing to restore`);
    const now = options.now ?? new Date();
    const open = await tx.drainJob.findMany({ where: { realServerId: rs.id, restoredAt: null }, orderBy: { startedAt: 'desc' }, select: { id: true, state: true, endedAt: true, previousWeight: true } });
    const latest = open[0];
    const weight = latest?.previousWeight ?? rs.weight;
    for (const job of open) {
      await tx.drainJob.update({
        where: { id: job.id },
        data: { restoredAt: now, endedAt: job.endedAt ?? now, ...(job.state === 'RUNNING' ? { reason: `restored by ${actor.username} before it finished` } : {}) },
        select: { id: true },
      });
    }
    await tx.realServer.update({ where: { id: rs.id }, data: { adminState: 'READY', weight, version: { increment: 1 } }, select: { id: true } });
    const after: RealServerAdminView = await tx.realServer.findUniqueOrThrow({ where: { id: rs.id }, select: ADMIN_SELECT });
    return {
      result: { jobId: latest?.id ?? null, realServer: after },
      audit: {
        action: 'drain.restore',
        objectType: 'RealServer',
        objectId: rs.id,
        summary: `restored ${label} from ${rs.adminState.toLowerCase()} to ready at weight ${weight}`,
        before: { adminState: rs.adminState, weight: rs.weight },
        after: { adminState: 'READY', weight, jobId: latest?.id ?? null },
      },
    };
  });
}

/** Puts a real server into maintenance (operator): kernel weight 0, no job; restore with restoreRealServer. */
export async function setRealServerMaintenance(options: { db: Db; actor: Actor; input: SetMaintenanceInput; now?: Date }) {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, input } = options;
  const clusterId = await clusterOfRealServer(db, input.id);
  return commitChange(db, { actor, clusterId }, async (tx) => {
    const { rs, label } = await loadForAdminChange(tx, { id: input.id, version: input.version });
    if (rs.adminState === 'MAINT') throw new AppError('CONFLICT', `${label} is in maintenance already`);
    checkCapacity(rs, label, 'Maintenance of', input.confirm);
    const updated = await tx.realServer.updateMany({ where: { id: rs.id, version: input.version }, data: { adminState: 'MAINT', version: { increment: 1 } } });
    if (updated.count !== 1) throw await staleEditError(tx, { objectType: 'RealServer', objectId: rs.id, label: `Real server ${label}`, exists: true, expectedVersion: input.version });
    // A drain still waiting is over: maintenance takes the server out whatever its connections do.
    // The job stays unrestored, so restore still finds the weight it started from.
    const now = options.now ?? new Date();
    await tx.drainJob.updateMany({ where: { realServerId: rs.id, state: { in: ['RUNNING', 'TIMED_OUT'] }, restoredAt: null }, data: { state: 'FORCED', endedAt: now, reason: `ended by maintenance (${actor.username})` } });
    const after: RealServerAdminView = await tx.realServer.findUniqueOrThrow({ where: { id: rs.id }, select: ADMIN_SELECT });
    return {
      result: after,
      audit: {
        action: 'realServer.setMaintenance',
        objectType: 'RealServer',
        objectId: rs.id,
        summary: `put ${label} into maintenance${input.confirm ? ' — confirmed although no other real server is serving' : ''}`,
        before: { adminState: rs.adminState },
        after: { adminState: 'MAINT' },
      },
    };
  });
}

/** The drain jobs of a cluster: every unfinished one and the 50 most recent, newest first. */
export async function listDrainJobs(options: { db: Db; clusterId: string }): Promise<DrainJobView[]> {
  const { db, clusterId } = options;
  const [running, recent] = await Promise.all([
    db.drainJob.findMany({ where: { clusterId, state: 'RUNNING', restoredAt: null }, orderBy: { startedAt: 'desc' }, select: DRAIN_JOB_SELECT }),
    db.drainJob.findMany({ where: { clusterId }, orderBy: { startedAt: 'desc' }, take: 50, select: DRAIN_JOB_SELECT }),
  ]);
  const seen = new Set<string>();
  const rows = [...running, ...recent].filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  rows.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  return rows.map(toDrainJobView);
}
