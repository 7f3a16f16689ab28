'use client';

import { useMutation } from '@tanstack/react-query';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';
import { useNow } from '@/lib/live/live-cluster-context';
import { formatDuration, formatTimeLeft } from '@/lib/live/format-live';
import type { DrainJobView } from '@/lib/live/live-types';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';
import { DrainStateBadge } from './drain-state-badge';

/**
 * A drain job under its real server's row: state, ActiveConn/InActConn (the most any director holds)
 * (live while RUNNING), time left to the deadline, why it stands where it does, and what the
 * operator can do next (Force while it runs or timed out, Restore until it is restored).
 */
export function DrainProgress({ job, endpoint, canOperate }: { job: DrainJobView; endpoint: string; canOperate: boolean }) {
  const trpc = useTRPC();
  const toast = useToast();
  const refresh = useRefreshCluster();
  const force = useMutation(trpc.drain.force.mutationOptions());
  const restore = useMutation(trpc.drain.restore.mutationOptions());
  const now = useNow();
  const isRunning = job.state === 'RUNNING';
  const canForce = !job.restoredAt && (job.state === 'RUNNING' || job.state === 'TIMED_OUT');
  const elapsed = ((job.endedAt ?? now).getTime() - job.startedAt.getTime()) / 1000;

  async function run(action: 'force' | 'restore') {
    try {
      if (action === 'force') await force.mutateAsync({ jobId: job.jobId });
      else await restore.mutateAsync({ realServerId: job.realServerId });
      await refresh();
      toast.success(action === 'force' ? `Drain of ${endpoint} forced` : `${endpoint} restored to weight ${job.previousWeight}`);
    } catch (error) {
      toast.error(describeError(error).message);
    }
  }

  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs" data-testid="drain-progress" data-state={job.state} data-job-id={job.jobId} role="status" aria-label={`Drain of ${endpoint}`}>
      <DrainStateBadge state={job.state} isRestored={job.restoredAt !== null} />
      <span className="font-mono tabular-nums" title="The most any director of the pair holds (the sync daemon mirrors connections to the backup)">
        ActiveConn <span data-testid="drain-active" className="font-semibold">{job.activeConn}</span>
        <span className="text-zinc-400"> (≤ {job.activeThreshold})</span>
      </span>
      <span className="font-mono tabular-nums" title={job.requireInactiveZero ? 'Must reach 0' : 'Shown, not waited on'}>
        InActConn <span data-testid="drain-inact" className="font-semibold">{job.inactConn}</span>
        {job.requireInactiveZero ? <span className="text-zinc-400"> (→ 0)</span> : null}
      </span>
      <span className="text-zinc-600" data-testid="drain-time">
        {isRunning ? formatTimeLeft(job.deadlineAt, now) : `took ${formatDuration(elapsed)}`}
      </span>
      <span className="min-w-0 flex-1 truncate text-zinc-500" title={job.reason} data-testid="drain-reason">
        {job.reason}
      </span>
      {canOperate && !job.restoredAt ? (
        <span className="flex gap-1">
          {canForce ? (
            <Button size="sm" variant="danger" onClick={() => void run('force')} disabled={force.isPending} aria-label={`Force the drain of ${endpoint}`}>
              Force
            </Button>
          ) : null}
          <Button size="sm" onClick={() => void run('restore')} disabled={restore.isPending} aria-label={`Restore ${endpoint} to weight ${job.previousWeight}`}>
            Restore (weight {job.previousWeight})
          </Button>
        </span>
      ) : null}
    </div>
  );
}
