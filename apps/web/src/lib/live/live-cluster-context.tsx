'use client';

import { useSubscription } from '@trpc/tanstack-react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTRPC } from '@/lib/trpc/client';
import type { LiveClusterEvent } from './live-types';

/** How the live feed stands, for the indicator in the page header. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'error';

type LiveClusterValue = {
  /** The newest frame, or null before the first one arrives. */
  latest: LiveClusterEvent | null;
  status: LiveStatus;
  /** Called with every frame; graphs append to their own window instead of re-reading everything. */
  onFrame: (listener: (frame: LiveClusterEvent) => void) => () => void;
};

const LiveClusterContext = createContext<LiveClusterValue>({ latest: null, status: 'connecting', onFrame: () => () => undefined });

/**
 * One live.onCluster subscription (SSE, ~1 Hz) per cluster page, shared by every panel on it: the
 * graphs, the apply status, the VRRP badges and the drain progress all read the same frame, so they
 * never disagree with each other and the browser holds one connection, not one per service.
 */
export function LiveClusterProvider({ clusterId, children }: { clusterId: string; children: ReactNode }) {
  const trpc = useTRPC();
  const listeners = useRef(new Set<(frame: LiveClusterEvent) => void>());
  const subscription = useSubscription(
    trpc.live.onCluster.subscriptionOptions(
      { clusterId },
      {
        onData: (frame) => {
          for (const listener of listeners.current) listener(frame as LiveClusterEvent);
        },
      },
    ),
  );
  const onFrame = useCallback((listener: (frame: LiveClusterEvent) => void) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);
  const latest = (subscription.data as LiveClusterEvent | undefined) ?? null;
  const status: LiveStatus =
    subscription.status === 'error' ? 'error' : subscription.status === 'connecting' ? (latest ? 'reconnecting' : 'connecting') : latest ? 'live' : 'connecting';
  const value = useMemo(() => ({ latest, status, onFrame }), [latest, status, onFrame]);
  return <LiveClusterContext.Provider value={value}>{children}</LiveClusterContext.Provider>;
}

/** The cluster's live frame and feed status (null frame outside a provider or before the first frame). */
export function useLiveCluster(): LiveClusterValue {
  return useContext(LiveClusterContext);
}

/** Calls `listener` with every new frame while mounted. */
export function useOnLiveFrame(listener: (frame: LiveClusterEvent) => void): void {
  const { onFrame } = useLiveCluster();
  const latestListener = useRef(listener);
  useEffect(() => {
    latestListener.current = listener;
  });
  useEffect(() => onFrame((frame) => latestListener.current(frame)), [onFrame]);
}

/** A clock that ticks every `intervalMs`, for countdowns and "read 3 s ago" between frames. */
export function useNow(intervalMs = 1000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
