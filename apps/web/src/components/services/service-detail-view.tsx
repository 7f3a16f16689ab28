'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { LiveStatusIndicator } from '@/components/live/live-status-indicator';
import { LiveClusterProvider } from '@/lib/live/live-cluster-context';
import { portReuseSetting } from '@/lib/live/port-reuse-setting';
import { useSession } from '@/lib/session/use-session';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';
import { ServiceCard } from './service-card';

/** One virtual service on its own page: its real servers with drain controls and all four live graphs. */
export function ServiceDetailView({ clusterId, serviceId }: { clusterId: string; serviceId: string }) {
  const trpc = useTRPC();
  const { canOperate } = useSession();
  const query = useQuery(trpc.cluster.get.queryOptions({ clusterId }));

  if (query.isLoading) return <div className="h-96 animate-pulse rounded-lg bg-zinc-200/70" aria-busy />;
  const service = query.data?.services.find((s) => s.id === serviceId);
  if (query.isError || !query.data || !service) {
    return (
      <EmptyState title="This service does not exist" action={<Link href={`/clusters/${clusterId}`} className="text-sky-700 underline">Back to the cluster</Link>}>
        {query.isError ? describeError(query.error).message : 'It may have been deleted.'}
      </EmptyState>
    );
  }
  const detail = query.data;

  return (
    <LiveClusterProvider clusterId={clusterId}>
      <PageHeader
        eyebrow={
          <nav aria-label="Breadcrumb">
            <Link href="/" className="hover:text-zinc-800 hover:underline">
              Clusters
            </Link>{' '}
            /{' '}
            <Link href={`/clusters/${clusterId}`} className="hover:text-zinc-800 hover:underline">
              {detail.cluster.name}
            </Link>{' '}
            /
          </nav>
        }
        title={<span className="font-mono">{service.serviceKey}</span>}
        meta={
          <>
            <LiveStatusIndicator />
            {service.name ? <span>{service.name}</span> : null}
          </>
        }
      />
      <ServiceCard service={service} clusterId={clusterId} haPairs={detail.haPairs} nodes={detail.nodes} canOperate={canOperate} isPreventingPortReuse={portReuseSetting(detail.cluster)} variant="page" />
    </LiveClusterProvider>
  );
}
