/** Where a drain job stands. RUNNING until one of the end states; RESTORED is recorded separately. */
export type DrainState = 'RUNNING' | 'DRAINED' | 'TIMED_OUT' | 'FORCED';

/** What the operator asked for when starting the drain. */
export type DrainGoal = {
  /** Done when ActiveConn (the largest any director of the pair holds) is at or below this (default 0). */
  activeThreshold: number;
  /**
   * Also wait for InActConn to reach 0. In DR/TUN the director never sees the real server's FIN, so
   * InActConn is its FIN_WAIT estimate that lingers for the tcpfin timeout (120 s by default):
   * shown always, waited on only when asked.
   */
  requireInactiveZero: boolean;
  deadlineAt: Date;
};

/** One director's latest counters for the drained real server. */
export type DirectorSample = { director: string; activeConn: number; inactConn: number; sampledAt: Date };

/** The verdict for one evaluation, with what the UI shows next to it. */
export type DrainProgress = {
  state: DrainState;
  activeConn: number;
  inactConn: number;
  /** Directors whose counters are missing or too old to trust: the drain cannot end DRAINED without them. */
  staleDirectors: string[];
  reason: string;
};

/** A sample older than this does not count: a silent director might still hold connections. */
export const SAMPLE_MAX_AGE_MS = 5_000;

/**
 * Decides whether a running drain is done: DRAINED when every director of the pair reported
 * recently and the counters (the largest any director holds) meet the goal; TIMED_OUT at the deadline otherwise. Pure, so the
 * job runner and the tests agree on every edge.
 */
export function evaluateDrain(options: { goal: DrainGoal; directors: string[]; samples: DirectorSample[]; now: Date }): DrainProgress {
  const { goal, directors, samples, now } = options;
  const fresh = new Map<string, DirectorSample>();
  for (const sample of samples) {
    if (now.getTime() - sample.sampledAt.getTime() > SAMPLE_MAX_AGE_MS) continue;
    const seen = fresh.get(sample.director);
    if (!seen || seen.sampledAt < sample.sampledAt) fresh.set(sample.director, sample);
  }
  const staleDirectors = directors.filter((d) => !fresh.has(d));
  let activeConn = 0;
  let inactConn = 0;
  for (const d of directors) {
    const sample = fresh.get(d);
    // The largest count, not the sum: the sync daemon mirrors the MASTER's connections into the
    // BACKUP's table, so each held connection shows on both directors.
    if (sample) {
      activeConn = Math.max(activeConn, sample.activeConn);
      inactConn = Math.max(inactConn, sample.inactConn);
    }
  }
  const counted = staleDirectors.length === 0;
  const activeOk = activeConn <= goal.activeThreshold;
  const inactiveOk = !goal.requireInactiveZero || inactConn === 0;
  if (counted && activeOk && inactiveOk) {
    return { state: 'DRAINED', activeConn, inactConn, staleDirectors, reason: `ActiveConn ${activeConn} ≤ ${goal.activeThreshold}${goal.requireInactiveZero ? ' and InActConn 0' : ''} on all ${directors.length} director(s)` };
  }
  if (now >= goal.deadlineAt) {
    const why = !counted ? `no recent counters from ${staleDirectors.join(', ')}` : !activeOk ? `ActiveConn still ${activeConn}` : `InActConn still ${inactConn}`;
    return { state: 'TIMED_OUT', activeConn, inactConn, staleDirectors, reason: `deadline passed: ${why}` };
  }
  const waiting = !counted ? `waiting for counters from ${staleDirectors.join(', ')}` : !activeOk ? `${activeConn} active connection(s) left` : `${inactConn} inactive connection(s) left (FIN_WAIT estimate)`;
  return { state: 'RUNNING', activeConn, inactConn, staleDirectors, reason: waiting };
}
