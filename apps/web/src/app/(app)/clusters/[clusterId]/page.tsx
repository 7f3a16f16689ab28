import type { Metadata } from 'next';
import { ClusterView } from '@/components/clusters/cluster-view';

export const metadata: Metadata = { title: 'Cluster' };

export default async function ClusterPage({ params }: { params: Promise<{ clusterId: string }> }) {
  const { clusterId } = await params;
  return <ClusterView clusterId={clusterId} />;
}
