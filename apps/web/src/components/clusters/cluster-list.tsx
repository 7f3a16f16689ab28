'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { Panel } from '@/components/ui/panel';
import { useSession } from '@/lib/session/use-session';
import { useTRPC } from '@/lib/trpc/client';
import { ClusterFormDialog } from './cluster-form-dialog';

function Count({ label, value }: { label: string; value: number }) {
  return (
    <div className="flex flex-col">
      <dt className="text-[11px] text-zinc-500">{label}</dt>
      <dd className="font-mono text-base font-medium tabular-nums">{value}</dd>
    </div>
  );
}

export function ClusterList() {
  const trpc = useTRPC();
  const { canAdminister } = useSession();
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const [isCreating, setCreating] = useState(false);

  const createButton = canAdminister ? (
    <Button variant="primary" onClick={() => setCreating(true)}>
      New cluster
    </Button>
  ) : null;

  return (
    <>
      <PageHeader title="Clusters" meta={clusters.data ? <span>{clusters.data.length === 1 ? '1 cluster' : `${clusters.data.length} clusters`}</span> : null} actions={createButton} />
      {clusters.isLoading ? (
        <div className="grid gap-3 md:grid-cols-2 xl:grid-cols-3" aria-busy>
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-32 animate-pulse rounded-lg bg-zinc-200/70" />
          ))}
        </div>
      ) : clusters.isError ? (
        <EmptyState title="Could not load clusters">{clusters.error.message}</EmptyState>
      ) : clusters.data && clusters.data.length === 0 ? (
        <EmptyState
          title="No clusters yet"
          action={canAdminister ? <Button variant="primary" onClick={() => setCreating(true)}>Create the first cluster</Button> : null}
        >
          {canAdminister
            ? 'A cluster holds one LVS estate: add its directors, pair them for VRRP, then put virtual services on the VIPs.'
            : 'An administrator has not created any cluster yet.'}
        </EmptyState>
      ) : (
        <ul className="grid gap-3 md:grid-cols-2 xl:grid-cols-3" aria-label="Clusters">
          {clusters.data?.map((cluster) => (
            <li key={cluster.id}>
              <Link href={`/clusters/${cluster.id}`} className="block focus-visible:outline-none" data-testid="cluster-card" aria-label={`Cluster ${cluster.name}`}>
                <Panel className="flex h-full flex-col gap-3 p-4 transition-colors hover:border-zinc-400 [a:focus-visible_&]:border-sky-600 [a:focus-visible_&]:ring-2 [a:focus-visible_&]:ring-sky-600/30">
                  <div className="flex items-start justify-between gap-2">
                    <div className="min-w-0">
                      <p className="truncate font-semibold">{cluster.name}</p>
                      <p className="truncate text-xs text-zinc-500">{cluster.description || 'No description'}</p>
                    </div>
                    <span className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-[11px] text-zinc-600" title="Generation: bumped by every committed change">
                      gen {cluster.generation}
                    </span>
                  </div>
                  <dl className="grid grid-cols-4 gap-2 border-t border-zinc-100 pt-3">
                    <Count label="Nodes" value={cluster.counts.nodes} />
                    <Count label="HA pairs" value={cluster.counts.haPairs} />
                    <Count label="Services" value={cluster.counts.services} />
                    <Count label="Real servers" value={cluster.counts.realServers} />
                  </dl>
                </Panel>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {isCreating ? <ClusterFormDialog open onClose={() => setCreating(false)} /> : null}
    </>
  );
}
