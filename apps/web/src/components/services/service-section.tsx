'use client';

import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { Section } from '@/components/ui/section';
import { portReuseSetting } from '@/lib/live/port-reuse-setting';
import type { ClusterDetail } from '@/lib/trpc/types';
import { ServiceCard } from './service-card';
import { ServiceFormDialog } from './service-form-dialog';

export function ServiceSection({ detail, canOperate }: { detail: ClusterDetail; canOperate: boolean }) {
  const [isCreating, setCreating] = useState(false);
  const hasPairs = detail.haPairs.length > 0;
  const createButton = canOperate ? (
    <Button variant="primary" size="sm" onClick={() => setCreating(true)} disabled={!hasPairs} title={hasPairs ? undefined : 'Create an HA pair first: services live on its VIPs'}>
      New virtual service
    </Button>
  ) : null;

  return (
    <Section id="services" title="Virtual services" count={detail.services.length} actions={createButton}>
      {detail.services.length === 0 ? (
        <EmptyState title="No virtual services yet" action={canOperate && hasPairs ? <Button onClick={() => setCreating(true)}>Create one</Button> : null}>
          {hasPairs
            ? 'A virtual service is a VIP and port (or a firewall mark) the directors balance across real servers.'
            : 'Services live on an HA pair’s VIPs: create the directors and an HA pair first.'}
        </EmptyState>
      ) : (
        <div className="flex flex-col gap-3">
          {detail.services.map((service) => (
            <ServiceCard key={service.id} service={service} clusterId={detail.cluster.id} haPairs={detail.haPairs} nodes={detail.nodes} canOperate={canOperate} isPreventingPortReuse={portReuseSetting(detail.cluster)} />
          ))}
        </div>
      )}
      {isCreating ? <ServiceFormDialog open onClose={() => setCreating(false)} clusterId={detail.cluster.id} haPairs={detail.haPairs} /> : null}
    </Section>
  );
}
