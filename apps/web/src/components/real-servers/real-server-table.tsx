'use client';

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { formatEndpoint } from '@fulcrum/lvs/estate/virtual-service';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { useTRPC } from '@/lib/trpc/client';
import type { ClusterNode, ClusterRealServer, ClusterService } from '@/lib/trpc/types';
import { RealServerFormDialog } from './real-server-form-dialog';
import { AdminStateBadge, HealthBadge } from './state-badges';
import { WeightCell } from './weight-cell';

/** The real servers behind one virtual service, with inline weights for operators. */
export function RealServerTable({ service, nodes, canOperate }: { service: ClusterService; nodes: ClusterNode[]; canOperate: boolean }) {
  const trpc = useTRPC();
  const refresh = useRefreshCluster();
  const remove = useMutation(trpc.realServer.delete.mutationOptions());
  const [editing, setEditing] = useState<ClusterRealServer | null>(null);
  const [deleting, setDeleting] = useState<ClusterRealServer | null>(null);
  const nodeName = new Map(nodes.map((n) => [n.id, n.name]));
  const endpointOf = (rs: ClusterRealServer) => (service.protocol === 'FWMARK' && rs.port === 0 ? rs.address : formatEndpoint(rs.address, rs.port));

  return (
    <>
      <table className="w-full min-w-[44rem] text-left text-[13px]" aria-label={`Real servers of ${service.serviceKey}`}>
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
            return (
              <tr key={rs.id} data-testid="real-server-row" data-endpoint={endpoint} className="hover:bg-zinc-50/70">
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
                    <Button size="sm" variant="ghost" onClick={() => setEditing(rs)} aria-label={`Edit real server ${endpoint}`}>
                      Edit
                    </Button>
                    <Button size="sm" variant="ghost" onClick={() => setDeleting(rs)} aria-label={`Delete real server ${endpoint}`} className="hover:text-red-700">
                      Delete
                    </Button>
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
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
