import { HA_PAIR_FIELDS } from '../ha-pairs/ha-pair-fields';
import { REAL_SERVER_FIELDS } from '../real-servers/real-server-fields';
import { SERVICE_FIELDS } from '../services/service-fields';
import type { Db } from '../db';
import { AppError } from '../errors/app-error';

/** Every cluster with how much it holds, for the clusters list. */
export async function listClusters(options: { db: Db }) {
  const clusters = await options.db.cluster.findMany({
    orderBy: { name: 'asc' },
    select: {
      id: true,
      name: true,
      description: true,
      generation: true,
      version: true,
      _count: { select: { nodes: true, haPairs: true, services: true } },
    },
  });
  const realServerCounts = await options.db.realServer.groupBy({
    by: ['virtualServiceId'],
    _count: { _all: true },
  });
  const services = await options.db.virtualService.findMany({ select: { id: true, clusterId: true } });
  const clusterOfService = new Map(services.map((s) => [s.id, s.clusterId]));
  const realServersByCluster = new Map<string, number>();
  for (const row of realServerCounts) {
    const clusterId = clusterOfService.get(row.virtualServiceId);
    if (clusterId) realServersByCluster.set(clusterId, (realServersByCluster.get(clusterId) ?? 0) + row._count._all);
  }
  return clusters.map(({ _count, ...cluster }) => ({
    ...cluster,
    counts: {
      nodes: _count.nodes,
      haPairs: _count.haPairs,
      services: _count.services,
      realServers: realServersByCluster.get(cluster.id) ?? 0,
    },
  }));
}

/** A cluster with its nodes, HA pairs, services and real servers — secrets left out. */
export async function getClusterDetail(options: { db: Db; clusterId: string }) {
  const cluster = await options.db.cluster.findUnique({
    where: { id: options.clusterId },
    select: {
      id: true,
      name: true,
      description: true,
      generation: true,
      preventPortReuseLeaks: true,
      version: true,
      nodes: {
        orderBy: [{ role: 'asc' }, { name: 'asc' }],
        select: {
          id: true,
          name: true,
          role: true,
          managementAddress: true,
          agentStatus: true,
          agentVersion: true,
          lastSeenAt: true,
          appliedGeneration: true,
          lastApplyError: true,
          tokenCreatedAt: true,
          tokenHash: true,
          version: true,
        },
      },
      haPairs: {
        orderBy: { name: 'asc' },
        select: { ...HA_PAIR_FIELDS, preventPortReuseLeaks: true, version: true },
      },
      services: {
        orderBy: [{ serviceKey: 'asc' }],
        select: {
          ...SERVICE_FIELDS,
          name: true,
          version: true,
          realServers: {
            orderBy: [{ address: 'asc' }, { port: 'asc' }],
            select: { ...REAL_SERVER_FIELDS, health: true, version: true },
          },
        },
      },
    },
  });
  if (!cluster) throw new AppError('NOT_FOUND', 'That cluster does not exist');
  const { nodes, haPairs, services, ...rest } = cluster;
  return {
    cluster: rest,
    // Secrets become booleans here: the browser learns only whether one is set.
    nodes: nodes.map(({ tokenHash, ...node }) => ({ ...node, hasToken: tokenHash !== null })),
    haPairs: haPairs.map(({ authSecret, ...pair }) => ({ ...pair, hasAuthSecret: authSecret !== null })),
    services: services.map((service) => ({ ...service, fwmark: service.fwmark === null ? null : Number(service.fwmark) })),
  };
}
