'use client';

import { useLiveCluster } from '@/lib/live/live-cluster-context';

const TEXT = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', error: 'live feed stopped' } as const;
const DOT = { connecting: 'bg-zinc-400', live: 'bg-emerald-500 animate-pulse', reconnecting: 'bg-amber-500', error: 'bg-red-500' } as const;

/** Whether the page is receiving live frames (counters, VRRP, apply status) right now. */
export function LiveStatusIndicator() {
  const { status } = useLiveCluster();
  return (
    <span className="inline-flex items-center gap-1.5" data-testid="live-status" data-status={status} role="status" title="Live counters, VRRP states and apply status over SSE, about once a second">
      <span aria-hidden className={`size-2 rounded-full ${DOT[status]}`} />
      {TEXT[status]}
    </span>
  );
}
