import type { FulcrumApi } from './api-client';
import { UsageError } from './cli-error';
import { quoteForMessage } from './terminal';

// The CLI names nodes the way the UI shows them (cluster name, node name); the API wants ids.

/** A node as cluster.get returns it (the fields the CLI reads). */
export type ClusterNode = { id: string; name: string; role: string; managementAddress: string; agentStatus: string; agentVersion: string | null };

type ClusterSummary = { id: string; name: string };
type ClusterDetail = { id: string; name: string; nodes: ClusterNode[] };

const listOf = (names: string[]) => (names.length === 0 ? 'none' : names.map((n) => quoteForMessage(n)).join(', '));

/** The node `nodeName` of cluster `clusterName`; a missing one is an argument error listing what exists. */
export async function findNode(api: FulcrumApi, clusterName: string, nodeName: string): Promise<{ clusterId: string; node: ClusterNode }> {
  const clusters = await api.query<ClusterSummary[]>('cluster.list');
  const cluster = clusters.find((c) => c.name === clusterName);
  if (!cluster) throw new UsageError(`--cluster: there is no cluster ${quoteForMessage(clusterName)}; clusters: ${listOf(clusters.map((c) => c.name))}`);
  const detail = await api.query<ClusterDetail>('cluster.get', { clusterId: cluster.id });
  const node = detail.nodes.find((n) => n.name === nodeName);
  if (!node) throw new UsageError(`--node: cluster ${quoteForMessage(clusterName)} has no node ${quoteForMessage(nodeName)}; its nodes: ${listOf(detail.nodes.map((n) => n.name))}`);
  return { clusterId: cluster.id, node };
}

/** The node again (after an operation), to report what the server now sees. */
export async function readNode(api: FulcrumApi, clusterId: string, nodeId: string): Promise<ClusterNode | null> {
  const detail = await api.query<ClusterDetail>('cluster.get', { clusterId });
  return detail.nodes.find((n) => n.id === nodeId) ?? null;
}
