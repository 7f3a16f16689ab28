import { describe, expect, it } from 'vitest';
import type { DrainJobView } from './live-types';
import { currentDrainJobs } from './current-drain-jobs';

const job = (jobId: string, realServerId: string, startedAt: number, restoredAt: number | null = null): DrainJobView => ({
  jobId,
  realServerId,
  label: 'x',
  state: 'RUNNING',
  restoredAt: restoredAt === null ? null : new Date(restoredAt),
  startedAt: new Date(startedAt),
  deadlineAt: new Date(startedAt + 300_000),
  endedAt: null,
  activeConn: 0,
  inactConn: 0,
  activeThreshold: 0,
  requireInactiveZero: false,
  expirePersistence: false,
  previousWeight: 1,
  reason: '',
  startedBy: 'admin',
});

describe('currentDrainJobs', () => {
  it('keeps the newest job per real server', () => {
    const jobs = currentDrainJobs([job('old', 'a', 1000, 2000), job('new', 'a', 3000), job('b1', 'b', 500)]);
    expect([...jobs.entries()].map(([rs, j]) => [rs, j.jobId])).toEqual([
      ['a', 'new'],
      ['b', 'b1'],
    ]);
  });

  it('drops a real server whose newest job was restored', () => {
    expect(currentDrainJobs([job('j1', 'a', 1000), job('j2', 'a', 2000, 2500)]).has('a')).toBe(false);
  });
});
