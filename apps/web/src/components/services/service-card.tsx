'use client';

import { useMutation } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Panel } from '@/components/ui/panel';
import { RealServerFormDialog } from '@/components/real-servers/real-server-form-dialog';
import { RealServerTable } from '@/components/real-servers/real-server-table';
import { ServiceLivePanel } from '@/components/live/service-live-panel';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { useTRPC } from '@/lib/trpc/client';
import type { ClusterHaPair, ClusterNode, ClusterService } from '@/lib/trpc/types';
import { describePersistence, SCHEDULER_NAMES } from './describe-service';
import { ServiceFormDialog } from './service-form-dialog';

type Props = {
  service: ClusterService;
  clusterId: string;
  haPairs: ClusterHaPair[];
  nodes: ClusterNode[];
  canOperate: boolean;
  isPreventingPortReuse: boolean | null;
  /** On the service's own page the header links back instead of to itself, and the graphs are larger. */
  variant?: 'card' | 'page';
};

/** One virtual service: its key, scheduling and persistence, and the real servers behind it. */
export function ServiceCard({ service, clusterId, haPairs, nodes, canOperate, isPreventingPortReuse, variant = 'card' }: Props) {
  const trpc = useTRPC();
  const refresh = useRefreshCluster();
  const remove = useMutation(trpc.service.delete.mutationOptions());
  const [isEditing, setEditing] = useState(false);
  const [isAdding, setAdding] = useState(false);
  const [isDeleting, setDeleting] = useState(false);
  const pair = haPairs.find((p) => p.id === service.haPairId);
  const totalWeight = service.realServers.reduce((sum, rs) => sum + rs.weight, 0);

  return (
    <Panel className="overflow-hidden" data-testid="service-card" data-service-key={service.serviceKey} aria-label={`Virtual service ${service.serviceKey}`} role="region">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
        <div className="flex min-w-0 items-baseline gap-2">
          <h3 className="font-mono text-[15px] font-semibold">
            {variant === 'card' ? (
              <Link href={`/clusters/${clusterId}/services/${service.id}`} className="hover:underline" title="Open the service: all graphs, larger">
                {service.serviceKey}
              </Link>
            ) : (
              service.serviceKey
            )}
          </h3>
          {service.name ? <span className="truncate text-zinc-500">{service.name}</span> : null}
        </div>
        <div className="flex flex-wrap items-center gap-1.5">
          <Badge tone="blue" title={SCHEDULER_NAMES[service.scheduler]}>
            {service.scheduler}
          </Badge>
          <Badge tone={service.persistenceTimeout > 0 ? 'violet' : 'gray'}>{describePersistence(service.persistenceTimeout, service.persistenceNetmask)}</Badge>
          {service.schedulerFlags.map((flag) => (
            <Badge key={flag} tone="gray">
              {flag}
            </Badge>
          ))}
          {pair ? <span className="text-xs text-zinc-500">on {pair.name}</span> : null}
        </div>
        {canOperate ? (
          <div className="ml-auto flex gap-1">
            <Button size="sm" onClick={() => setAdding(true)} aria-label={`Add real server to ${service.serviceKey}`}>
              Add real server
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setEditing(true)} aria-label={`Edit service ${service.serviceKey}`}>
              Edit
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setDeleting(true)} aria-label={`Delete service ${service.serviceKey}`} className="hover:text-red-700">
              Delete
            </Button>
          </div>
        ) : null}
      </div>
      <div className="overflow-x-auto border-t border-zinc-200">
        {service.realServers.length === 0 ? (
          <p className="px-4 py-4 text-xs text-zinc-500">
            No real servers yet{canOperate ? ' — add one to start sending traffic.' : '.'}
          </p>
        ) : (
          <RealServerTable service={service} clusterId={clusterId} nodes={nodes} canOperate={canOperate} isPreventingPortReuse={isPreventingPortReuse} />
        )}
      </div>
      {service.realServers.length > 0 ? (
        <div className="flex justify-end border-t border-zinc-100 bg-zinc-50/60 px-4 py-1 text-[11px] text-zinc-500">
          {service.realServers.length} real server{service.realServers.length === 1 ? '' : 's'} · total weight <span className="ml-1 font-mono">{totalWeight}</span>
        </div>
      ) : null}
      {service.realServers.length > 0 ? (
        <ServiceLivePanel clusterId={clusterId} serviceId={service.id} serviceKey={service.serviceKey} realServers={service.realServers} variant={variant === 'page' ? 'full' : 'compact'} />
      ) : null}
      {isEditing ? <ServiceFormDialog open onClose={() => setEditing(false)} clusterId={clusterId} haPairs={haPairs} service={service} /> : null}
      {isAdding ? <RealServerFormDialog open onClose={() => setAdding(false)} service={service} nodes={nodes} /> : null}
      {isDeleting ? (
        <ConfirmDialog
          open
          onClose={() => setDeleting(false)}
          title="Delete virtual service"
          confirmLabel="Delete service"
          successMessage={`Service ${service.serviceKey} deleted`}
          onConfirm={async () => {
            await remove.mutateAsync({ id: service.id, version: service.version });
            await refresh();
          }}
        >
          Delete <span className="font-mono font-medium">{service.serviceKey}</span> and its {service.realServers.length} real server{service.realServers.length === 1 ? '' : 's'}? The directors stop accepting connections for it at once.
        </ConfirmDialog>
      ) : null}
    </Panel>
  );
}
