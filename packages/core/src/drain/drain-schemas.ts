// The drain API's wire shapes: zod only (no database), so the browser can import them too.
import { z } from 'zod';
import { Id, Version } from '@fulcrum/lvs/estate/common';

/** Where a drain job stands; `restoredAt` (not a state) says whether it was undone afterwards. */
export const DrainJobState = z.enum(['RUNNING', 'DRAINED', 'TIMED_OUT', 'FORCED']);
export type DrainJobState = z.infer<typeof DrainJobState>;

/** Input of drain.start: weight 0 on every director of the pair, tracked until the goal or the deadline. */
export const StartDrainInput = z.object({
  realServerId: Id,
  version: Version,
  /** Expire persistence templates of quiesced destinations on the pair's directors while the drain is in effect. */
  expirePersistence: z.boolean().default(false),
  /** Also wait for InActConn 0 (a FIN_WAIT estimate in DR/TUN that lingers ≈120 s). */
  requireInactiveZero: z.boolean().default(false),
  /** Done when ActiveConn summed over the directors is at most this. */
  activeThreshold: z.number({ error: 'Threshold must be a number' }).int('Threshold must be a whole number').min(0, 'Threshold must be 0 or more').max(1_000_000, 'Threshold is too large').default(0),
  deadlineSeconds: z.number({ error: 'Deadline must be a number of seconds' }).int('Deadline must be whole seconds').min(10, 'Deadline must be at least 10 seconds').max(86_400, 'Deadline must be at most 24 hours').default(300),
  /** The operator confirmed a drain that leaves the service without a ready, healthy real server. */
  confirm: z.boolean().default(false),
});
export type StartDrainInput = z.infer<typeof StartDrainInput>;

/** Input of drain.force. */
export const ForceDrainInput = z.object({ jobId: Id });
export type ForceDrainInput = z.infer<typeof ForceDrainInput>;

/** Input of drain.restore. */
export const RestoreDrainInput = z.object({ realServerId: Id });
export type RestoreDrainInput = z.infer<typeof RestoreDrainInput>;

/** Input of drain.list. */
export const ListDrainsInput = z.object({ clusterId: Id });

/** Input of realServer.setMaintenance. */
export const SetMaintenanceInput = z.object({ id: Id, version: Version, confirm: z.boolean().default(false) });
export type SetMaintenanceInput = z.infer<typeof SetMaintenanceInput>;

/** One drain job as the UI shows it; counters are the last evaluated (live while RUNNING). */
export const DrainJobView = z.object({
  jobId: Id,
  realServerId: Id,
  /** "192.168.241.15:80 in TCP 192.168.241.11:80". */
  label: z.string(),
  state: DrainJobState,
  restoredAt: z.date().nullable(),
  startedAt: z.date(),
  deadlineAt: z.date(),
  endedAt: z.date().nullable(),
  activeConn: z.number().int(),
  inactConn: z.number().int(),
  activeThreshold: z.number().int(),
  requireInactiveZero: z.boolean(),
  expirePersistence: z.boolean(),
  previousWeight: z.number().int(),
  /** Why it is where it is ("2 active connection(s) left", "deadline passed: ActiveConn still 3"). */
  reason: z.string(),
  startedBy: z.string(),
});
export type DrainJobView = z.infer<typeof DrainJobView>;

/** What a real server looks like after drain.start / drain.restore / setMaintenance. */
export const RealServerAdminView = z.object({
  id: Id,
  adminState: z.enum(['READY', 'DRAINING', 'DRAINED', 'MAINT']),
  weight: z.number().int(),
  version: z.number().int(),
});
export type RealServerAdminView = z.infer<typeof RealServerAdminView>;

/** Result of drain.start. */
export const StartDrainResult = z.object({ job: DrainJobView, realServer: RealServerAdminView });
/** Result of drain.restore: the job it closed, if any (maintenance has none). */
export const RestoreDrainResult = z.object({ jobId: Id.nullable(), realServer: RealServerAdminView });
