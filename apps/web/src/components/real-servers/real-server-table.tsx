'use client';

import { useMutation } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { formatEndpoint } from '@fulcrum/lvs/estate/virtual-service';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { useToast } from '@/components/ui/toast';
import { DrainDialog } from '@/components/drain/drain-dialog';
import { DrainProgress } from '@/components/drain/drain-progress';
import { MaintenanceDialog } from '@/components/drain/maintenance-dialog';
import { useDrainJobs } from '@/lib/live/use-drain-jobs';
import { describeError } from '@/lib/trpc/describe-error';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { useTRPC } from '@/lib/trpc/client';
import type { ClusterNode, ClusterRealServer, ClusterService } from '@/lib/trpc/types';
import { RealServerFormDialog } from './real-server-form-dialog';
import { AdminStateBadge, HealthBadge } from './state-badges';
import { WeightCell } from './weight-cell';

type Props = {
  service: ClusterService;
  clusterId: string;
  nodes: ClusterNode[];
  canOperate: boolean;
  /** The cluster's conn_reuse_mode setting when the server exposes it (null = unknown). */
  isPreventingPortReuse: boolean | null;
};

/**
 * The real servers behind one virtual service, with inline weights for operators, one-click
 * Drain / Maint / Restore, and each running or finished drain's live progress under its row.
 */
export function RealServerTable({ service, clusterId, nodes, canOperate, isPreventingPortReuse }: Props) {
  const trpc = useTRPC();
  const toast = useToast();
  const refresh = useRefreshCluster();
  const remove = useMutation(trpc.realServer.delete.mutationOptions());
  const restore = useMutation(trpc.drain.restore.mutationOptions());
  const drains = useDrainJobs(clusterId);
  const [editing, setEditing] = useState<ClusterRealServer | null>(null);
  const [deleting, setDeleting] = useState<ClusterRealServer | null>(null);
  const [draining, setDraining] = useState<ClusterRealServer | null>(null);
  const [maintaining, setMaintaining] = useState<ClusterRealServer | null>(null);
  const columns = canOperate ? 7 : 6;

  async function onRestore(rs: ClusterRealServer, endpoint: string) {
    try {
      const result = await restore.mutateAsync({ realServerId: rs.id });
      await refresh();
      toast.success(`${endpoint} restored to weight ${result.realServer.weight}`);
    } catch (error) {
      toast.error(describeError(error).message);
    }
  }
  const nodeName = new Map(nodes.map((n) => [n.id, n.name]));
  const endpointOf = (rs: ClusterRealServer) => (service.protocol === 'FWMARK' && rs.port === 0 ? rs.address : formatEndpoint(rs.address, rs.port));

  return (
    <>
      <table className="w-full min-w-[56rem] text-left text-[13px]" aria-label={`Real servers of ${service.serviceKey}`}>
        <thead className="border-b border-zinc-200 bg-zinc-50 text-[11px] tracking-wide text-zinc-500 uppercase">
          <tr>
            <th scope="col" className="px-4 py-1.5 font-medium">Real server</th>
            <th scope="col" className="px-3 py-1.5 font-medium">Forwarding</th>
            <th scope="col" className="px-3 py-1.5 font-medium">Weight</th>
            <th scope="col" className="px-3 py-1.5 font-medium">Admin state</th>
            <th scope="col" className="px-3 py-1.5 font-medium">Health</th>
            <th scope="col" className="px-3 py-1.5 font-medium">Node</th>
            {canOperate ? <th scope="col" className="px-4 py-1.5 text-right font-medium"><span className="sr-only">Actions</span></th> : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">
          {service.realServers.map((rs) => {
            const endpoint = endpointOf(rs);
            const job = drains.get(rs.id);
            return (
              <Fragment key={rs.id}>
              <tr data-testid="real-server-row" data-endpoint={endpoint} data-admin-state={rs.adminState} className={job ? 'bg-amber-50/30' : 'hover:bg-zinc-50/70'}>
                <td className="px-4 py-1 font-mono">{endpoint}</td>
                <td className="px-3 py-1">
                  <Badge tone="gray">{rs.forwarding}</Badge>
                </td>
                <td className="px-3 py-1">
                  <WeightCell realServer={rs} endpoint={endpoint} isEditable={canOperate} />
                </td>
                <td className="px-3 py-1">
                  <AdminStateBadge state={rs.adminState} />
                </td>
                <td className="px-3 py-1">
                  <HealthBadge health={rs.health} />
                </td>
                <td className="px-3 py-1 text-zinc-600">{rs.nodeId ? (nodeName.get(rs.nodeId) ?? '—') : <span className="text-zinc-400">—</span>}</td>
                {canOperate ? (
                  <td className="px-4 py-1 text-right whitespace-nowrap">
                    {rs.adminState === 'READY' ? (
                      <>
                        <Button size="sm" onClick={() => setDraining(rs)} aria-label={`Drain ${endpoint}`} data-testid="drain-button">
                          Drain
                        </Button>
                        <Button size="sm" variant="ghost" onClick={() => setMaintaining(rs)} aria-label={`Maintenance for ${endpoint}`} title="Weight 0 now, without waiting for connections">
                          Maint
                        </Button>
                      </>
                    ) : !job ? (
                      <Button size="sm" onClick={() => void onRestore(rs, endpoint)} disabled={restore.isPending} aria-label={`Restore ${endpoint}`}>
                        Restore
                      </Button>
                    ) : null}
                    <Button size="sm" variant="ghost" onClick={() => setEditing(rs)} aria-label={`Edit real server ${endpoint}`}>
                      Edit
                    </Button>
                    <Button size="sm" variant="ghost" onClick={() => setDeleting(rs)} aria-label={`Delete real server ${endpoint}`} className="hover:text-red-700">
                      Delete
                    </Button>
                  </td>
                ) : null}
              </tr>
              {job ? (
                <tr className="bg-amber-50/30">
                  <td colSpan={columns} className="px-4 pt-0 pb-1.5">
                    <DrainProgress job={job} endpoint={endpoint} canOperate={canOperate} />
                  </td>
                </tr>
              ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {draining ? (
        <DrainDialog realServer={draining} endpoint={endpointOf(draining)} serviceKey={service.serviceKey} isPreventingPortReuse={isPreventingPortReuse} onClose={() => setDraining(null)} />
      ) : null}
      {maintaining ? <MaintenanceDialog realServer={maintaining} endpoint={endpointOf(maintaining)} onClose={() => setMaintaining(null)} /> : null}
      {editing ? <RealServerFormDialog open onClose={() => setEditing(null)} service={service} nodes={nodes} realServer={editing} /> : null}
      {deleting ? (
        <ConfirmDialog
          open
          onClose={() => setDeleting(null)}
          title="Delete real server"
          confirmLabel="Delete real server"
          successMessage={`Real server ${endpointOf(deleting)} deleted`}
          onConfirm={async () => {
            await remove.mutateAsync({ id: deleting.id, version: deleting.version });
            await refresh();
          }}
        >
          Remove <span className="font-mono font-medium">{endpointOf(deleting)}</span> from <span className="font-mono">{service.serviceKey}</span>? The directors stop sending it new and existing connections at once — drain it first if it carries traffic.
        </ConfirmDialog>
      ) : null}
    </>
  );
}
