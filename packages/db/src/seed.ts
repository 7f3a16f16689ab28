// The demo estate from the design notes (two directors in one VRRP pair, one DR web service, two
// real servers), so a fresh install shows something real and the lab can apply it as-is.
import { formatServiceKey } from '@fulcrum/lvs/estate/virtual-service';
import type { PrismaClient } from './client';

// Held for the transaction only: two processes starting at once must not both seed.
const SEED_LOCK_KEY = 0x5eed_f1c; // arbitrary, distinct from Prisma's migration lock

/** Result of {@link seedDemoCluster}: the cluster id when it seeded, or why it did not. */
export type SeedResult = { seeded: true; clusterId: string } | { seeded: false; reason: 'clusters-exist' };

/** Creates the "demo" cluster when the database has no cluster at all; otherwise does nothing. */
export async function seedDemoCluster(prisma: PrismaClient): Promise<SeedResult> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SEED_LOCK_KEY}::bigint)`;
    if ((await tx.cluster.count()) > 0) return { seeded: false, reason: 'clusters-exist' } as const;

    const cluster = await tx.cluster.create({ data: { name: 'demo', description: 'Demo estate: one HA pair, one DR web service' } });
    const node = (name: string, role: 'DIRECTOR' | 'REAL_SERVER', managementAddress: string) =>
      tx.node.create({ data: { clusterId: cluster.id, name, role, managementAddress } });
    const directorA = await node('director-a', 'DIRECTOR', '198.18.0.11');
    const directorB = await node('director-b', 'DIRECTOR', '198.18.0.12');
    const rs1 = await node('rs-1', 'REAL_SERVER', '192.168.241.15');
    const rs2 = await node('rs-2', 'REAL_SERVER', '192.168.241.16');

    const pair = await tx.haPair.create({
      data: {
        clusterId: cluster.id,
        name: 'pair-1',
        interface: 'eth0',
        virtualRouterId: 51,
        advertInterval: 1,
        primaryNodeId: directorA.id,
        primaryPriority: 150,
        secondaryNodeId: directorB.id,
        secondaryPriority: 100,
        vips: ['192.168.241.11'],
      },
    });

    const endpoint = { protocol: 'TCP', address: '192.168.241.11', port: 80, fwmark: null } as const;
    const service = await tx.virtualService.create({
      data: {
        clusterId: cluster.id,
        haPairId: pair.id,
        name: 'web',
        protocol: endpoint.protocol,
        address: endpoint.address,
        port: endpoint.port,
        serviceKey: formatServiceKey(endpoint),
        scheduler: 'wrr',
        persistenceTimeout: 20,
      },
    });
    const realServers = [];
    for (const rs of [rs1, rs2]) {
      realServers.push(
        await tx.realServer.create({
          data: { virtualServiceId: service.id, nodeId: rs.id, address: rs.managementAddress, port: 80, weight: 1, forwarding: 'DR' },
        }),
      );
    }

    await tx.auditEvent.create({
      data: {
        clusterId: cluster.id,
        actorName: 'seed',
        action: 'seed',
        objectType: 'Cluster',
        objectId: cluster.id,
        summary: 'Created the demo cluster: director-a/director-b (pair-1, VRID 51), TCP 192.168.241.11:80 wrr -p 20 → rs-1, rs-2 (DR)',
        after: {
          cluster: cluster.name,
          nodes: [directorA.name, directorB.name, rs1.name, rs2.name],
          haPair: { name: pair.name, virtualRouterId: pair.virtualRouterId, vips: pair.vips },
          service: service.serviceKey,
          realServers: realServers.map((rs) => `${rs.address}:${rs.port}`),
        },
      },
    });
    return { seeded: true, clusterId: cluster.id } as const;
  });
}
