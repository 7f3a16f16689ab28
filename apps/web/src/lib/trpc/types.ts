import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/trpc/router';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** cluster.get: one cluster with everything in it, as the cluster page shows it. */
export type ClusterDetail = RouterOutputs['cluster']['get'];
export type ClusterNode = ClusterDetail['nodes'][number];
export type ClusterHaPair = ClusterDetail['haPairs'][number];
export type ClusterService = ClusterDetail['services'][number];
export type ClusterRealServer = ClusterService['realServers'][number];
export type SessionUser = NonNullable<RouterOutputs['auth']['me']>;
