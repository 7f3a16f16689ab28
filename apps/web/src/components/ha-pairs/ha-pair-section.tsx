'use client';

import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { Section } from '@/components/ui/section';
import type { ClusterDetail } from '@/lib/trpc/types';
import { HaPairCard } from './ha-pair-card';
import { HaPairFormDialog } from './ha-pair-form-dialog';

export function HaPairSection({ detail, canAdminister }: { detail: ClusterDetail; canAdminister: boolean }) {
  const [isCreating, setCreating] = useState(false);
  const hasDirectors = detail.nodes.some((n) => n.role === 'DIRECTOR');
  const createButton = canAdminister ? (
    <Button variant="primary" size="sm" onClick={() => setCreating(true)} disabled={!hasDirectors} title={hasDirectors ? undefined : 'Add director nodes first'}>
      New HA pair
    </Button>
  ) : null;

  return (
    <Section id="ha-pairs" title="HA pairs" count={detail.haPairs.length} actions={createButton}>
      {detail.haPairs.length === 0 ? (
        <EmptyState title="No HA pairs yet" action={canAdminister && hasDirectors ? <Button onClick={() => setCreating(true)}>Create one</Button> : null}>
          {hasDirectors ? 'Pair two directors so keepalived moves the VIPs between them.' : 'Add the director nodes below first; an HA pair puts one or two of them in a VRRP instance.'}
        </EmptyState>
      ) : (
        <div className="grid gap-3 lg:grid-cols-2">
          {detail.haPairs.map((pair) => (
            <HaPairCard key={pair.id} pair={pair} clusterId={detail.cluster.id} clusterGeneration={detail.cluster.generation} nodes={detail.nodes} serviceCount={detail.services.filter((s) => s.haPairId === pair.id).length} canAdminister={canAdminister} />
          ))}
        </div>
      )}
      {isCreating ? <HaPairFormDialog open onClose={() => setCreating(false)} clusterId={detail.cluster.id} nodes={detail.nodes} /> : null}
    </Section>
  );
}
