import type { DrainJobView } from './live-types';

/** Newest job per real server, left out once restored (the server is back at its weight). */
export function currentDrainJobs(jobs: ReadonlyArray<DrainJobView>): Map<string, DrainJobView> {
  const newest = new Map<string, DrainJobView>();
  for (const job of jobs) {
    const seen = newest.get(job.realServerId);
    if (!seen || seen.startedAt.getTime() < job.startedAt.getTime()) newest.set(job.realServerId, job);
  }
  for (const [id, job] of newest) if (job.restoredAt) newest.delete(id);
  return newest;
}
