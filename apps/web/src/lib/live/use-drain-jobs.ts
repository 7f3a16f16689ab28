'use client';

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTRPC } from '@/lib/trpc/client';
import { useLiveCluster } from './live-cluster-context';
import { currentDrainJobs } from './current-drain-jobs';
import type { DrainJobView } from './live-types';

/**
 * The drain job to show per real server: its newest job unless restored. Live frames carry the
 * jobs with their counters; drain.list answers until the first frame (and when the feed is down).
 */
export function useDrainJobs(clusterId: string): Map<string, DrainJobView> {
  const trpc = useTRPC();
  const { latest } = useLiveCluster();
  const list = useQuery(trpc.drain.list.queryOptions({ clusterId }, { enabled: latest === null }));
  const jobs = latest?.drains ?? list.data ?? [];
  return useMemo(() => currentDrainJobs(jobs), [jobs]);
}
