'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useTRPC } from '@/lib/trpc/client';

/**
 * After any estate change: refetch the cluster (page and list counts) and the audit log, and
 * resolve once the committed state is on screen — the UI never shows a value the server has not stored.
 */
export function useRefreshCluster() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    () => Promise.all([queryClient.invalidateQueries(trpc.cluster.pathFilter()), queryClient.invalidateQueries(trpc.audit.pathFilter())]).then(() => undefined),
    [queryClient, trpc],
  );
}
