'use client';

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { Panel } from '@/components/ui/panel';
import { Section } from '@/components/ui/section';
import { formatRelativeTime, formatTimestamp } from '@/lib/format/relative-time';
import { AgentInstallDialog } from '@/components/agent-install/agent-install-dialog';
import { LastAgentOperation } from '@/components/agent-install/last-agent-operation';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { useTRPC } from '@/lib/trpc/client';
import type { ClusterDetail, ClusterNode } from '@/lib/trpc/types';
import { useLiveCluster } from '@/lib/live/live-cluster-context';
import { AgentStatusBadge } from './agent-status-badge';
import { ApplyStatus } from './apply-status';
import { DriftDialog } from './drift-dialog';
import { NodeFormDialog } from './node-form-dialog';
import { NodeTokenDialog } from './node-token-dialog';

/** The hosts of the cluster, directors first, with their agents' state, apply status and drift (live). */
export function NodeSection({ detail, canOperate, canAdminister }: { detail: ClusterDetail; canOperate: boolean; canAdminister: boolean }) {
  const { latest } = useLiveCluster();
  const liveNodes = new Map((latest?.nodes ?? []).map((n) => [n.nodeId, n]));
  const generation = latest?.generation ?? detail.cluster.generation;
  const [driftOf, setDriftOf] = useState<ClusterNode | null>(null);
  const trpc = useTRPC();
  const refresh = useRefreshCluster();
  const remove = useMutation(trpc.node.delete.mutationOptions());
  const [isCreating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ClusterNode | null>(null);
  const [deleting, setDeleting] = useState<ClusterNode | null>(null);
  const [tokenFor, setTokenFor] = useState<ClusterNode | null>(null);
  const [agentFor, setAgentFor] = useState<ClusterNode | null>(null);
  const nodes = [...detail.nodes].sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'DIRECTOR' ? -1 : 1));

  return (
    <Section
      id="nodes"
      title="Nodes"
      count={nodes.length}
      actions={
        canAdminister ? (
          <Button variant="primary" size="sm" onClick={() => setCreating(true)}>
            Add node
          </Button>
        ) : null
      }
    >
      {nodes.length === 0 ? (
        <EmptyState title="No nodes yet" action={canAdminister ? <Button onClick={() => setCreating(true)}>Add the first director</Button> : null}>
          Nodes are the hosts Fulcrum manages: directors (IPVS + keepalived) and real servers (VIP on lo or tunl0).
        </EmptyState>
      ) : (
        <Panel className="overflow-x-auto">
          <table className="w-full text-left text-[13px]" aria-label="Nodes">
            <thead className="border-b border-zinc-200 bg-zinc-50 text-[11px] tracking-wide text-zinc-500 uppercase">
              <tr>
                <th scope="col" className="px-4 py-1.5 font-medium">Name</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Role</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Management address</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Agent</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Last seen</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Applied</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Drift</th>
                {canAdminister ? <th scope="col" className="px-4 py-1.5"><span className="sr-only">Actions</span></th> : null}
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100">
              {nodes.map((node) => {
                const live = liveNodes.get(node.id);
                const driftCount = live?.driftCount ?? 0;
                return (
                <tr key={node.id} data-testid="node-row" data-node-name={node.name} className="hover:bg-zinc-50/70">
                  <td className="px-4 py-1.5 font-medium">{node.name}</td>
                  <td className="px-3 py-1.5">
                    <Badge tone={node.role === 'DIRECTOR' ? 'blue' : 'gray'}>{node.role === 'DIRECTOR' ? 'director' : 'real server'}</Badge>
                  </td>
                  <td className="px-3 py-1.5 font-mono text-xs">{node.managementAddress}</td>
                  <td className="px-3 py-1.5">
                    <span className="flex items-center gap-2">
                      <AgentStatusBadge status={live?.agentStatus ?? node.agentStatus} />
                      {node.agentVersion ? <span className="font-mono text-[11px] text-zinc-400" data-testid="agent-version">v{node.agentVersion}</span> : null}
                    </span>
                    {canAdminister ? <LastAgentOperation nodeId={node.id} /> : null}
                  </td>
                  <td className="px-3 py-1.5 text-xs text-zinc-600">
                    {node.lastSeenAt ? <time dateTime={new Date(node.lastSeenAt).toISOString()} title={formatTimestamp(new Date(node.lastSeenAt))}>{formatRelativeTime(new Date(node.lastSeenAt))}</time> : <span className="text-zinc-400">never</span>}
                  </td>
                  <td className="px-3 py-1.5">
                    <ApplyStatus live={live} node={node} generation={generation} />
                  </td>
                  <td className="px-3 py-1.5">
                    {driftCount > 0 ? (
                      <Button size="sm" onClick={() => setDriftOf(node)} aria-label={`${driftCount} drift item(s) on ${node.name}: show`} data-testid="drift-button" className="border-amber-300 bg-amber-50 text-amber-900 hover:bg-amber-100">
                        {driftCount} drift
                      </Button>
                    ) : (
                      <span className="text-xs text-zinc-400" data-testid="drift-none">
                        {live ? 'none' : '—'}
                      </span>
                    )}
                  </td>
                  {canAdminister ? (
                    <td className="px-4 py-1.5 text-right whitespace-nowrap">
                      <Button size="sm" variant="ghost" onClick={() => setAgentFor(node)} aria-label={`Agent on ${node.name}: install, upgrade or remove`}>
                        Agent
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => setTokenFor(node)} aria-label={`Agent token of ${node.name}`}>
                        {node.hasToken ? 'Token' : 'Issue token'}
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => setEditing(node)} aria-label={`Edit node ${node.name}`}>
                        Edit
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => setDeleting(node)} aria-label={`Delete node ${node.name}`} className="hover:text-red-700">
                        Delete
                      </Button>
                    </td>
                  ) : null}
                </tr>
                );
              })}
            </tbody>
          </table>
        </Panel>
      )}
      {isCreating ? <NodeFormDialog open onClose={() => setCreating(false)} clusterId={detail.cluster.id} defaultRole={nodes.filter((n) => n.role === 'DIRECTOR').length >= 2 ? 'REAL_SERVER' : 'DIRECTOR'} /> : null}
      {driftOf ? <DriftDialog clusterId={detail.cluster.id} node={driftOf} canOperate={canOperate} canAdminister={canAdminister} onClose={() => setDriftOf(null)} /> : null}
      {tokenFor ? <NodeTokenDialog node={tokenFor} onClose={() => setTokenFor(null)} /> : null}
      {agentFor ? <AgentInstallDialog node={agentFor} agentStatus={liveNodes.get(agentFor.id)?.agentStatus ?? agentFor.agentStatus} onClose={() => setAgentFor(null)} /> : null}
      {editing ? <NodeFormDialog open onClose={() => setEditing(null)} clusterId={detail.cluster.id} node={editing} /> : null}
      {deleting ? (
        <ConfirmDialog
          open
          onClose={() => setDeleting(null)}
          title="Delete node"
          confirmLabel="Delete node"
          successMessage={`Node ${deleting.name} deleted`}
          onConfirm={async () => {
            await remove.mutateAsync({ id: deleting.id, version: deleting.version });
            await refresh();
          }}
        >
          Delete <span className="font-medium">{deleting.name}</span> (<span className="font-mono">{deleting.managementAddress}</span>)? Its agent can no longer connect. A director still in an HA pair cannot be deleted.
        </ConfirmDialog>
      ) : null}
    </Section>
  );
}
