// Pure rules around drain jobs: the confirmation rule and the per-second verdict from live samples.
import { evaluateDrain, type DirectorSample, type DrainGoal, type DrainProgress } from './evaluate-drain';

/** A real server as the capacity rule needs it. */
export type CapacityRealServer = { id: string; adminState: 'READY' | 'DRAINING' | 'DRAINED' | 'MAINT'; health: 'UP' | 'DOWN' | 'UNKNOWN' };

/**
 * True when a real server can take new connections as far as Fulcrum knows: READY, and UP — or
 * UNKNOWN on a service without health checks, where UNKNOWN is all there will ever be.
 */
export function isServingRealServer(rs: CapacityRealServer, hasHealthChecks: boolean): boolean {
  return rs.adminState === 'READY' && (rs.health === 'UP' || (rs.health === 'UNKNOWN' && !hasHealthChecks));
}

/**
 * The confirmation rule: taking `realServerId` out must leave the service at least one serving real
 * server, else the operator has to confirm (the VIP would answer nobody). Returns the other servers
 * still serving; empty means "confirmation required".
 */
export function servingAfterRemoval(options: { realServers: CapacityRealServer[]; realServerId: string; hasHealthChecks: boolean }): string[] {
  return options.realServers.filter((rs) => rs.id !== options.realServerId && isServingRealServer(rs, options.hasHealthChecks)).map((rs) => rs.id);
}

/** One director's latest counters for the drained destination, with the weight its kernel holds. */
export type DirectorReading = DirectorSample & { weight: number | null };

/**
 * The runner's verdict for one job. A director whose kernel still holds a non-zero weight has not
 * applied the drain yet (snapshot in flight, agent reconnecting): its low counters prove nothing, so
 * it counts as not reporting — the drain cannot end DRAINED on counters taken before weight 0.
 */
export function evaluateDrainJob(options: { goal: DrainGoal; directors: string[]; readings: DirectorReading[]; now: Date }): DrainProgress {
  const unapplied = options.readings.filter((r) => r.weight !== null && r.weight !== 0).map((r) => r.director);
  const samples = options.readings.filter((r) => !unapplied.includes(r.director));
  const progress = evaluateDrain({ goal: options.goal, directors: options.directors, samples, now: options.now });
  if (progress.state === 'RUNNING' && unapplied.length > 0) {
    return { ...progress, reason: `waiting for ${unapplied.join(', ')} to apply weight 0` };
  }
  return progress;
}
