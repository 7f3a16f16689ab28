'use client';

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Panel } from '@/components/ui/panel';
import { AgentStatusBadge } from '@/components/nodes/agent-status-badge';
import { ApplyStatus } from '@/components/nodes/apply-status';
import { formatRelativeTime, formatTimestamp } from '@/lib/format/relative-time';
import { useLiveCluster } from '@/lib/live/live-cluster-context';
import type { LiveDirector, LiveNode } from '@/lib/live/live-types';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { useTRPC } from '@/lib/trpc/client';
import type { ClusterHaPair, ClusterNode } from '@/lib/trpc/types';
import { HaPairFormDialog } from './ha-pair-form-dialog';
import { SyncDaemonStatus } from './sync-daemon-status';
import { VrrpStateBadge } from './vrrp-state-badge';
import { VrrpTimeline } from './vrrp-timeline';

type Props = { pair: ClusterHaPair; clusterId: string; clusterGeneration: number; nodes: ClusterNode[]; serviceCount: number; canAdminister: boolean };

type DirectorRowProps = {
  label: 'PRIMARY' | 'SECONDARY';
  node: ClusterNode | undefined;
  priority: number;
  unicastIp: string | null;
  live: LiveDirector | undefined;
  liveNode: LiveNode | undefined;
  generation: number;
  /** Two directors: the sync daemon is expected to follow the VRRP role. */
  paired: boolean;
};

function DirectorRow({ label, node, priority, unicastIp, live, liveNode, generation, paired }: DirectorRowProps) {
  const since = live?.since != null ? new Date(live.since) : null;
  return (
    <tr data-testid="pair-director" data-role={label} data-node-name={node?.name} className="align-top">
      <td className="py-1 pr-3">
        <Badge tone={label === 'PRIMARY' ? 'blue' : 'gray'}>{label}</Badge>
      </td>
      <td className="py-1 pr-3">
        <span className="font-medium">{node?.name ?? <span className="text-zinc-400">unknown node</span>}</span>
        <span className="block font-mono text-[11px] text-zinc-500">{node?.managementAddress ?? ''}</span>
      </td>
      <td className="py-1 pr-3">
        {live ? <VrrpStateBadge state={live.vrrpState} /> : <span className="text-xs text-zinc-400">no VRRP state</span>}
        {since ? (
          <time dateTime={since.toISOString()} title={formatTimestamp(since)} className="block text-[11px] whitespace-nowrap text-zinc-500" data-testid="vrrp-since">
            since {formatRelativeTime(since)}
          </time>
        ) : null}
        {live ? <SyncDaemonStatus director={live} paired={paired} /> : null}
      </td>
      <td className="py-1 pr-3 font-mono text-xs whitespace-nowrap" title="VRRP priority (as keepalived reports it when live)">
        prio {live?.priority ?? priority}
        {unicastIp ? <span className="block text-[11px] text-zinc-500">unicast {unicastIp}</span> : null}
      </td>
      <td className="py-1 pr-3 font-mono text-[11px]" data-testid="vips-held">
        {live && live.vipsHeld.length > 0 ? live.vipsHeld.join(' ') : <span className="text-zinc-400">{live ? 'no VIPs' : ''}</span>}
      </td>
      <td className="py-1">
        {node ? <AgentStatusBadge status={liveNode?.agentStatus ?? node.agentStatus} /> : null}
        {node ? (
          <span className="mt-0.5 block">
            <ApplyStatus live={liveNode} node={node} generation={generation} />
          </span>
        ) : null}
      </td>
    </tr>
  );
}

/** One HA pair: both directors with their VRRP roles and priorities, kernel sync daemons, the VIPs they carry, and auth. */
export function HaPairCard({ pair, clusterId, clusterGeneration, nodes, serviceCount, canAdminister }: Props) {
  const trpc = useTRPC();
  const refresh = useRefreshCluster();
  const remove = useMutation(trpc.haPair.delete.mutationOptions());
  const [isEditing, setEditing] = useState(false);
  const [isDeleting, setDeleting] = useState(false);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const { latest } = useLiveCluster();
  const livePair = latest?.pairs.find((p) => p.pairId === pair.id);
  const liveDirector = (nodeId: string | null) => livePair?.directors.find((d) => d.nodeId === nodeId);
  const liveNode = (nodeId: string | null) => latest?.nodes.find((n) => n.nodeId === nodeId);
  const generation = latest?.generation ?? clusterGeneration;
  const directorIds = [pair.primaryNodeId, ...(pair.secondaryNodeId ? [pair.secondaryNodeId] : [])];
  const stateKey = (livePair?.directors ?? []).map((d) => `${d.nodeId}:${d.vrrpState}:${d.since ?? ''}`).join(',');

  return (
    <Panel className="flex flex-col" data-testid="ha-pair-card" role="region" aria-label={`HA pair ${pair.name}`}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-zinc-200 px-4 py-2.5">
        <h3 className="font-semibold">{pair.name}</h3>
        <span className="font-mono text-xs text-zinc-600">
          {pair.interface} · VRID {pair.virtualRouterId} · advert {pair.advertInterval}s
        </span>
        <Badge tone={pair.hasAuthSecret ? 'green' : 'amber'} title="VRRP PASS authentication">
          auth {pair.hasAuthSecret ? 'set' : 'not set'}
        </Badge>
        {canAdminister ? (
          <div className="ml-auto flex gap-1">
            <Button size="sm" variant="ghost" onClick={() => setEditing(true)} aria-label={`Edit HA pair ${pair.name}`}>
              Edit
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setDeleting(true)} aria-label={`Delete HA pair ${pair.name}`} className="hover:text-red-700">
              Delete
            </Button>
          </div>
        ) : null}
      </div>
      <div className="flex flex-col gap-3 px-4 py-3">
        <table className="text-left text-[13px]" aria-label={`Directors of ${pair.name}`}>
          <tbody>
            <DirectorRow label="PRIMARY" node={byId.get(pair.primaryNodeId)} priority={pair.primaryPriority} unicastIp={pair.primaryUnicastIp} live={liveDirector(pair.primaryNodeId)} liveNode={liveNode(pair.primaryNodeId)} generation={generation} paired={pair.secondaryNodeId !== null} />
            {pair.secondaryNodeId ? (
              <DirectorRow label="SECONDARY" node={byId.get(pair.secondaryNodeId)} priority={pair.secondaryPriority} unicastIp={pair.secondaryUnicastIp} live={liveDirector(pair.secondaryNodeId)} liveNode={liveNode(pair.secondaryNodeId)} generation={generation} paired />
            ) : (
              <tr>
                <td colSpan={6} className="py-1 text-xs text-zinc-500">
                  Single director — no VRRP failover.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        <div className="flex flex-wrap items-center gap-1.5">
          <span className="text-[11px] font-medium tracking-wide text-zinc-500 uppercase">VIPs</span>
          {pair.vips.length === 0 ? (
            <span className="text-xs text-zinc-400">none</span>
          ) : (
            pair.vips.map((vip) => (
              <span key={vip} className="rounded border border-zinc-200 bg-zinc-50 px-1.5 py-0.5 font-mono text-xs" data-testid="pair-vip">
                {vip}
              </span>
            ))
          )}
          <span className="ml-auto text-xs text-zinc-500">
            {serviceCount} service{serviceCount === 1 ? '' : 's'}
          </span>
        </div>
        <VrrpTimeline clusterId={clusterId} nodeIds={directorIds} stateKey={stateKey} />
      </div>
      {isEditing ? <HaPairFormDialog open onClose={() => setEditing(false)} clusterId={clusterId} nodes={nodes} pair={pair} /> : null}
      {isDeleting ? (
        <ConfirmDialog
          open
          onClose={() => setDeleting(false)}
          title="Delete HA pair"
          confirmLabel="Delete HA pair"
          successMessage={`HA pair ${pair.name} deleted`}
          onConfirm={async () => {
            await remove.mutateAsync({ id: pair.id, version: pair.version });
            await refresh();
          }}
        >
          Delete <span className="font-medium">{pair.name}</span>? Its VIPs ({pair.vips.join(', ') || 'none'}) are released by both directors.
          {serviceCount > 0 ? ` It still carries ${serviceCount} service${serviceCount === 1 ? '' : 's'}: delete or move them first.` : ''}
        </ConfirmDialog>
      ) : null}
    </Panel>
  );
}
