import { z } from 'zod';

const StatsEnv = z.object({
  FULCRUM_STATS_RETENTION_HOURS: z.coerce.number({ error: 'FULCRUM_STATS_RETENTION_HOURS must be a number of hours' }).min(1, 'FULCRUM_STATS_RETENTION_HOURS must be at least 1').max(24 * 366, 'FULCRUM_STATS_RETENTION_HOURS must be at most a year').default(48),
});

/** How long downsampled stats stay in Postgres, and how often they are written and pruned. */
export type StatsSettings = { retentionHours: number; flushIntervalMs: number; pruneIntervalMs: number };

/** Reads the stats settings from the environment (FULCRUM_STATS_RETENTION_HOURS, default 48); throws a readable error. */
export function readStatsSettings(env: Record<string, string | undefined> = process.env): StatsSettings {
  const parsed = StatsEnv.safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
  return { retentionHours: parsed.data.FULCRUM_STATS_RETENTION_HOURS, flushIntervalMs: 10_000, pruneIntervalMs: 10 * 60_000 };
}
