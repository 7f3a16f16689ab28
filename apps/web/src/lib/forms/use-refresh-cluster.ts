'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useTRPC } from '@/lib/trpc/client';

/**
 * After any estate change: refetch the cluster (page and list counts), the audit log, the drain
 * jobs and the graphs' annotations, and resolve once the committed state is on screen — the UI
 * never shows a value the server has not stored.
 */
export function useRefreshCluster() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    () =>
      Promise.all([
        queryClient.invalidateQueries(trpc.cluster.pathFilter()),
        queryClient.invalidateQueries(trpc.audit.pathFilter()),
        queryClient.invalidateQueries(trpc.drain.pathFilter()),
        queryClient.invalidateQueries(trpc.live.history.pathFilter()),
      ]).then(() => undefined),
    [queryClient, trpc],
  );
}
