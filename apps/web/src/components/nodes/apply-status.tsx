import type { LiveNode } from '@/lib/live/live-types';

type StaticNode = { appliedGeneration: number | null; lastApplyError: string | null };

/**
 * Whether a node runs the cluster's current generation: "applied gen N", "pending → gen M", the
 * agent's exact error, or offline. Live from the subscription; before the first frame, from the
 * page's last load.
 */
export function ApplyStatus({ live, node, generation }: { live: LiveNode | undefined; node: StaticNode; generation: number }) {
  const applied = live ? live.appliedGeneration : node.appliedGeneration;
  const error = live ? live.lastApplyError : node.lastApplyError;
  const state = live?.applyState ?? (error ? 'error' : applied !== null && applied >= generation ? 'applied' : 'pending');
  const gen = applied !== null ? `gen ${applied}` : 'nothing yet';
  switch (state) {
    case 'applied':
      return (
        <span className="font-mono text-xs text-emerald-700" data-testid="apply-status" data-state="applied" title="The agent applied the cluster's current generation">
          applied {gen}
        </span>
      );
    case 'pending':
      return (
        <span className="font-mono text-xs whitespace-nowrap text-amber-700" data-testid="apply-status" data-state="pending" title={`Applied ${gen}; the cluster is at gen ${generation}`}>
          pending → gen {generation}
          <span className="text-amber-600/70"> (at {applied ?? 'none'})</span>
        </span>
      );
    case 'error':
      return (
        <span className="flex max-w-md flex-col text-xs text-red-700" data-testid="apply-status" data-state="error">
          <span className="font-medium">apply failed{applied !== null ? ` (still at gen ${applied})` : ''}</span>
          <span className="font-mono text-[11px] break-words whitespace-pre-wrap" data-testid="apply-error">
            {error ?? 'no detail from the agent'}
          </span>
        </span>
      );
    case 'offline':
      return (
        <span className="font-mono text-xs text-zinc-500" data-testid="apply-status" data-state="offline" title="The agent is not connected: the node keeps what it last applied">
          offline ({gen})
        </span>
      );
  }
}
