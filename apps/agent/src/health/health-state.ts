/** A destination's health as the checker tracks it. */
export interface HealthState {
  state: 'UP' | 'DOWN';
  /** Consecutive successes while DOWN / failures while UP. */
  streak: number;
}

/** The state a new check starts in: UP, like keepalived without `alpha` (a new destination takes traffic at once). */
export function initialHealth(): HealthState {
  return { state: 'UP', streak: 0 };
}

/** Next state after one probe: `fall` consecutive failures take UP → DOWN, `rise` successes DOWN → UP. */
export function nextHealth(current: HealthState, ok: boolean, limits: { rise: number; fall: number }): HealthState & { changed: boolean } {
  if (current.state === 'UP') {
    if (ok) return { state: 'UP', streak: 0, changed: false };
    const streak = current.streak + 1;
    return streak >= limits.fall ? { state: 'DOWN', streak: 0, changed: true } : { state: 'UP', streak, changed: false };
  }
  if (!ok) return { state: 'DOWN', streak: 0, changed: false };
  const streak = current.streak + 1;
  return streak >= limits.rise ? { state: 'UP', streak: 0, changed: true } : { state: 'DOWN', streak, changed: false };
}
