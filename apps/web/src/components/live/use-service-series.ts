'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useOnLiveFrame } from '@/lib/live/live-cluster-context';
import { appendRow, rowFromFrame, rowsFromHistory, LIVE_WINDOW_SECONDS, type SeriesRow } from '@/lib/live/live-series';
import { useTRPC } from '@/lib/trpc/client';

/** "live" is the last 15 min fed by the subscription; the others are read from stored history. */
export type GraphRange = 'live' | '1h' | '24h';

export const RANGE_SECONDS: Record<GraphRange, number> = { live: LIVE_WINDOW_SECONDS, '1h': 3600, '24h': 86_400 };

/**
 * The rows and annotations of one service's graph. Live: the 15 min history once, then every
 * subscription frame appended (and the window trimmed). 1 h / 24 h: stored minute history, refetched
 * each minute. Annotations are refetched more often in live mode, so a drain started in another
 * browser shows up within seconds; the caller's own actions invalidate them at once.
 */
export function useServiceSeries(clusterId: string, serviceId: string, range: GraphRange) {
  const trpc = useTRPC();
  const history = useQuery(
    trpc.live.history.queryOptions(
      { clusterId, serviceId, range: range === 'live' ? '15m' : range },
      { refetchInterval: range === 'live' ? 10_000 : 60_000, staleTime: 5_000 },
    ),
  );
  const [liveRows, setLiveRows] = useState<SeriesRow[] | null>(null);

  // Seed the live window from the first history answer only: later refetches bring annotations,
  // while the rows keep growing from the subscription.
  const isSeeded = liveRows !== null;
  useEffect(() => {
    if (range === 'live' && !isSeeded && history.data) setLiveRows(rowsFromHistory(history.data.series));
  }, [range, isSeeded, history.data]);
  useEffect(() => {
    if (range !== 'live') setLiveRows(null);
  }, [range]);

  useOnLiveFrame((frame) => {
    if (range !== 'live') return;
    const service = frame.services.find((s) => s.serviceId === serviceId);
    if (!service) return;
    setLiveRows((rows) => (rows === null ? rows : appendRow(rows, rowFromFrame(frame.at, service.realServers))));
  });

  const historyRows = useMemo(() => (history.data && range !== 'live' ? rowsFromHistory(history.data.series) : null), [history.data, range]);
  const labels = useMemo(() => new Map((history.data?.series ?? []).map((s) => [s.realServerId, s.label])), [history.data]);

  return {
    rows: (range === 'live' ? liveRows : historyRows) ?? [],
    annotations: history.data?.annotations ?? [],
    labels,
    isLoading: history.isLoading,
    error: history.error,
  };
}
