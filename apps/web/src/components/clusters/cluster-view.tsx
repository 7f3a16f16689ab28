'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { HaPairSection } from '@/components/ha-pairs/ha-pair-section';
import { NodeSection } from '@/components/nodes/node-section';
import { KernelTablesSection } from '@/components/kernel/kernel-tables-section';
import { LiveStatusIndicator } from '@/components/live/live-status-indicator';
import { LiveClusterProvider, useLiveCluster } from '@/lib/live/live-cluster-context';
import { ServiceSection } from '@/components/services/service-section';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { useSession } from '@/lib/session/use-session';
import { describeError } from '@/lib/trpc/describe-error';
import { plural } from '@/lib/format/plural';
import { useTRPC } from '@/lib/trpc/client';
import { ClusterFormDialog } from './cluster-form-dialog';

/** The cluster page, fed by one live subscription shared by every section on it. */
export function ClusterView({ clusterId }: { clusterId: string }) {
  return (
    <LiveClusterProvider clusterId={clusterId}>
      <ClusterContent clusterId={clusterId} />
    </LiveClusterProvider>
  );
}

/** Header with generation and live status, then HA pairs, virtual services, nodes and kernel tables. */
function ClusterContent({ clusterId }: { clusterId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const refresh = useRefreshCluster();
  const { canOperate, canAdminister } = useSession();
  const query = useQuery(trpc.cluster.get.queryOptions({ clusterId }));
  const remove = useMutation(trpc.cluster.delete.mutationOptions());
  const [isEditing, setEditing] = useState(false);
  const [isDeleting, setDeleting] = useState(false);
  const queryClient = useQueryClient();
  const liveGeneration = useLiveCluster().latest?.generation ?? null;
  const loadedGeneration = query.data?.cluster.generation ?? null;
  // Someone else committed a change (another browser, a drain ending, an adopted drift): reload the
  // estate so weights and admin states on screen match what the directors now run.
  useEffect(() => {
    if (liveGeneration !== null && loadedGeneration !== null && liveGeneration > loadedGeneration) void queryClient.invalidateQueries(trpc.cluster.get.queryFilter({ clusterId }));
  }, [liveGeneration, loadedGeneration, queryClient, trpc, clusterId]);

  if (query.isLoading) {
    return (
      <div className="flex flex-col gap-4" aria-busy>
        <div className="h-12 w-72 animate-pulse rounded bg-zinc-200/70" />
        <div className="h-40 animate-pulse rounded-lg bg-zinc-200/70" />
        <div className="h-64 animate-pulse rounded-lg bg-zinc-200/70" />
      </div>
    );
  }
  if (query.isError || !query.data) {
    const described = describeError(query.error);
    return (
      <EmptyState title={described.code === 'NOT_FOUND' ? 'This cluster does not exist' : 'Could not load the cluster'} action={<Link href="/" className="text-sky-700 underline">Back to clusters</Link>}>
        {described.message}
      </EmptyState>
    );
  }

  const detail = query.data;
  const { cluster } = detail;
  const realServerCount = detail.services.reduce((sum, s) => sum + s.realServers.length, 0);

  return (
    <>
      <PageHeader
        eyebrow={
          <nav aria-label="Breadcrumb">
            <Link href="/" className="hover:text-zinc-800 hover:underline">
              Clusters
            </Link>{' '}
            /
          </nav>
        }
        title={cluster.name}
        meta={
          <>
            <span className="rounded bg-zinc-900 px-1.5 py-0.5 font-mono text-[11px] text-white" title="Bumped by every committed change; agents report which generation they applied" data-testid="cluster-generation">
              generation {cluster.generation}
            </span>
            <LiveStatusIndicator />
            {cluster.description ? <span>{cluster.description}</span> : null}
            <span>
              {plural(detail.nodes.length, 'node')} · {plural(detail.haPairs.length, 'HA pair')} · {plural(detail.services.length, 'service')} · {plural(realServerCount, 'real server')}
            </span>
          </>
        }
        actions={
          <>
            <Link href={`/clusters/${cluster.id}/audit`} className="inline-flex h-8 items-center rounded-md border border-zinc-300 bg-white px-3 text-sm font-medium text-zinc-800 hover:bg-zinc-50">
              Audit log
            </Link>
            {canAdminister ? (
              <>
                <Button onClick={() => setEditing(true)} aria-label={`Edit cluster ${cluster.name}`}>
                  Edit
                </Button>
                <Button variant="ghost" onClick={() => setDeleting(true)} aria-label={`Delete cluster ${cluster.name}`} className="hover:text-red-700">
                  Delete
                </Button>
              </>
            ) : null}
          </>
        }
      />
      <HaPairSection detail={detail} canAdminister={canAdminister} />
      <ServiceSection detail={detail} canOperate={canOperate} />
      <NodeSection detail={detail} canOperate={canOperate} canAdminister={canAdminister} />
      <KernelTablesSection clusterId={cluster.id} />
      {isEditing ? <ClusterFormDialog open onClose={() => setEditing(false)} cluster={cluster} /> : null}
      {isDeleting ? (
        <ConfirmDialog
          open
          onClose={() => setDeleting(false)}
          title="Delete cluster"
          confirmLabel="Delete cluster"
          successMessage={`Cluster ${cluster.name} deleted`}
          onConfirm={async () => {
            await remove.mutateAsync({ id: cluster.id, version: cluster.version });
            await refresh();
            router.push('/');
          }}
        >
          Delete <span className="font-medium">{cluster.name}</span> with its {plural(detail.nodes.length, 'node')}, {plural(detail.haPairs.length, 'HA pair')} and {plural(detail.services.length, 'service')}? Agents of its nodes can no longer connect.
        </ConfirmDialog>
      ) : null}
    </>
  );
}
