/** Reconnect delays in ms, one per consecutive failure; the last repeats. */
export const BACKOFF_STEPS_MS = [500, 1000, 2000, 4000, 8000, 15_000, 30_000] as const;
/** ± share of each delay drawn at random, so a restarted server is not hit by every agent at once. */
export const BACKOFF_JITTER = 0.2;
/** A connection that stayed up this long resets the backoff to its first step. */
export const BACKOFF_RESET_AFTER_MS = 30_000;

/** The delay before reconnect attempt `attempt` (0-based), with jitter from `random` (0..1). */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = BACKOFF_STEPS_MS[Math.min(Math.max(attempt, 0), BACKOFF_STEPS_MS.length - 1)] ?? 30_000;
  return Math.round(base * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random()));
}
