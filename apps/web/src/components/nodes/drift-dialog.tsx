'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import { formatRelativeTime } from '@/lib/format/relative-time';
import type { AdoptDriftResult } from '@/lib/live/live-types';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';

type Props = { clusterId: string; node: { id: string; name: string }; canOperate: boolean; canAdminister: boolean; onClose: () => void };

const CHANGE_TONE = { missing: 'amber', unexpected: 'violet', different: 'blue' } as const;

/**
 * What a node's kernel holds that the desired state does not (someone typed ipvsadm by hand), item
 * by item, with the two ways out: Adopt makes the kernel's values configuration (operator), Revert
 * makes the agent undo them (admin).
 */
export function DriftDialog({ clusterId, node, canOperate, canAdminister, onClose }: Props) {
  const trpc = useTRPC();
  const toast = useToast();
  const refresh = useRefreshCluster();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.agent.status.queryOptions({ clusterId }));
  const revert = useMutation(trpc.agent.revertDrift.mutationOptions());
  const adopt = useMutation(trpc.agent.adoptDrift.mutationOptions());
  const [adopted, setAdopted] = useState<AdoptDriftResult | null>(null);
  const drift = status.data?.nodes.find((n) => n.id === node.id)?.drift ?? null;
  const items = (drift?.items ?? []) as Array<{ kind: string; key: string; change: 'missing' | 'unexpected' | 'different'; desired: string | null; actual: string | null }>;

  async function onRevert() {
    try {
      await revert.mutateAsync({ nodeId: node.id });
      toast.success(`${node.name}: its agent reverts the hand-made changes`);
      await Promise.all([refresh(), queryClient.invalidateQueries(trpc.agent.status.pathFilter())]);
      onClose();
    } catch (error) {
      toast.error(describeError(error).message);
    }
  }

  async function onAdopt() {
    try {
      const result = await adopt.mutateAsync({ nodeId: node.id });
      setAdopted(result);
      toast.success(`${node.name}: ${result.adopted.length} change(s) adopted into the configuration`);
      await Promise.all([refresh(), queryClient.invalidateQueries(trpc.agent.status.pathFilter())]);
    } catch (error) {
      toast.error(describeError(error).message);
    }
  }

  return (
    <Dialog open onClose={onClose} title={`Drift on ${node.name}`} description={drift ? `Found ${formatRelativeTime(new Date(drift.detectedAt))} against generation ${drift.generation}` : undefined} size="lg" testId="drift-dialog">
      {status.isLoading ? (
        <div className="h-24 animate-pulse rounded bg-zinc-100" aria-busy />
      ) : items.length === 0 ? (
        <p className="text-sm text-zinc-600">The kernel matches the desired state: no drift.</p>
      ) : (
        <div className="max-h-[50vh] overflow-auto rounded border border-zinc-200">
          <table className="w-full text-left text-[12px]" aria-label={`Drift items of ${node.name}`}>
            <thead className="sticky top-0 bg-zinc-50 text-[10px] tracking-wide text-zinc-500 uppercase">
              <tr>
                <th scope="col" className="px-3 py-1.5 font-medium">What</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Change</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Desired</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Actual (kernel)</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 align-top">
              {items.map((item) => (
                <tr key={`${item.kind}|${item.key}`} data-testid="drift-item">
                  <td className="px-3 py-1.5">
                    <span className="block text-[10px] text-zinc-500">{item.kind}</span>
                    <span className="font-mono break-all">{item.key}</span>
                  </td>
                  <td className="px-3 py-1.5">
                    <Badge tone={CHANGE_TONE[item.change]}>{item.change}</Badge>
                  </td>
                  <td className="px-3 py-1.5 font-mono break-all text-zinc-700">{item.desired ?? <span className="text-zinc-400">—</span>}</td>
                  <td className="px-3 py-1.5 font-mono break-all text-zinc-900">{item.actual ?? <span className="text-zinc-400">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {adopted && adopted.refused.length > 0 ? (
        <div role="alert" className="mt-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900">
          <p className="font-medium">Not adopted:</p>
          <ul className="mt-1 list-disc pl-4">
            {adopted.refused.map((r) => (
              <li key={r.key}>
                <span className="font-mono">{r.key}</span>: {r.reason}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <p className="mt-3 text-[11px] text-zinc-500">
        Adopt turns the kernel’s values into configuration (audited, a new generation). Revert sends the snapshot again with revertDrift, so the agent undoes the hand-made changes.
      </p>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
        {canOperate && items.length > 0 ? (
          <Button onClick={() => void onAdopt()} disabled={adopt.isPending} aria-label={`Adopt the drift of ${node.name}`}>
            {adopt.isPending ? 'Adopting…' : 'Adopt'}
          </Button>
        ) : null}
        {canAdminister && items.length > 0 ? (
          <Button variant="danger" onClick={() => void onRevert()} disabled={revert.isPending} aria-label={`Revert the drift of ${node.name}`}>
            {revert.isPending ? 'Reverting…' : 'Revert'}
          </Button>
        ) : null}
      </DialogActions>
    </Dialog>
  );
}
