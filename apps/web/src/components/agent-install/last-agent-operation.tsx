'use client';

import { useQuery } from '@tanstack/react-query';
import { formatTimestamp } from '@/lib/format/relative-time';
import { useNow } from '@/lib/live/live-cluster-context';
import { useTRPC } from '@/lib/trpc/client';
import { describeAgentOperation } from './describe-agent-operation';

const TONE = { RUNNING: 'text-sky-700', SUCCEEDED: 'text-zinc-500', FAILED: 'text-red-700' } as const;

/** The latest install, upgrade or removal on a node, in one line under its agent status (admins). */
export function LastAgentOperation({ nodeId }: { nodeId: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.agentInstall.listForNode.queryOptions({ nodeId, limit: 1 }, { refetchInterval: (q) => (q.state.data?.[0]?.status === 'RUNNING' ? 2_000 : false) }));
  const now = useNow(15_000);
  const last = query.data?.[0];
  if (!last) return null;
  const text = describeAgentOperation(last, now);
  const when = formatTimestamp(last.finishedAt ?? last.startedAt);
  return (
    <p
      className={`max-w-56 truncate text-[11px] ${TONE[last.status]}`}
      title={`${text}\n${last.username}@${last.host}:${last.port}, started by ${last.startedBy}, ${when}`}
      data-testid="agent-last-operation"
      data-status={last.status}
      data-kind={last.kind}
    >
      {text}
    </p>
  );
}
