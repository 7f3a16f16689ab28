import type { Metadata } from 'next';
import { ServiceDetailView } from '@/components/services/service-detail-view';

export const metadata: Metadata = { title: 'Virtual service' };

export default async function ServicePage({ params }: { params: Promise<{ clusterId: string; serviceId: string }> }) {
  const { clusterId, serviceId } = await params;
  return <ServiceDetailView clusterId={clusterId} serviceId={serviceId} />;
}
