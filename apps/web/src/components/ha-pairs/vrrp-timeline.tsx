'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { formatRelativeTime, formatTimestamp } from '@/lib/format/relative-time';
import { useTRPC } from '@/lib/trpc/client';

/**
 * The pair's VRRP transitions, newest first, from the nodes' event timeline. `stateKey` changes
 * whenever a live frame shows a director in a new state: the list is then reread at once rather
 * than on the next poll.
 */
export function VrrpTimeline({ clusterId, nodeIds, stateKey }: { clusterId: string; nodeIds: string[]; stateKey: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const events = useQuery(trpc.events.list.queryOptions({ clusterId, limit: 200 }, { refetchInterval: 30_000 }));
  useEffect(() => {
    // The graphs mark failovers too: their annotations are reread with the timeline.
    void queryClient.invalidateQueries(trpc.events.list.pathFilter());
    void queryClient.invalidateQueries(trpc.live.history.pathFilter());
  }, [stateKey, queryClient, trpc]);
  const transitions = (events.data ?? []).filter((e) => e.kind === 'VRRP' && nodeIds.includes(e.nodeId)).slice(0, 8);

  return (
    <div className="flex flex-col gap-1">
      <h4 className="text-[11px] font-medium tracking-wide text-zinc-500 uppercase">VRRP transitions</h4>
      {transitions.length === 0 ? (
        <p className="text-xs text-zinc-400">{events.isLoading ? 'Loading…' : 'None recorded yet.'}</p>
      ) : (
        <ol className="flex flex-col gap-0.5 border-l border-zinc-200 pl-3 text-xs" aria-label="VRRP transitions, newest first" data-testid="vrrp-timeline">
          {transitions.map((e) => {
            const at = new Date(e.at);
            return (
              <li key={e.id} className="relative flex gap-2" data-testid="vrrp-transition">
                <span aria-hidden className={`absolute top-1.5 -left-[15px] size-1.5 rounded-full ${e.severity === 'ERROR' ? 'bg-red-500' : 'bg-zinc-400'}`} />
                <time dateTime={at.toISOString()} title={formatTimestamp(at)} className="w-20 shrink-0 text-zinc-500">
                  {formatRelativeTime(at)}
                </time>
                <span className="font-medium">{e.nodeName}</span>
                <span className="font-mono text-zinc-700">{e.message}</span>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
