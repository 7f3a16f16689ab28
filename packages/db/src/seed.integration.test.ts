import { describe, expect, it } from 'vitest';
import { seedDemoCluster } from './seed';
import { useFreshDatabase } from './testing/fresh-database';

const db = useFreshDatabase();

describe('seedDemoCluster', () => {
  it('creates the demo estate once, then does nothing', async () => {
    const first = await seedDemoCluster(db.prisma);
    expect(first.seeded).toBe(true);

    const cluster = await db.prisma.cluster.findUniqueOrThrow({
      where: { name: 'demo' },
      include: {
        nodes: { orderBy: { name: 'asc' } },
        haPairs: { include: { primaryNode: true, secondaryNode: true } },
        services: { include: { realServers: { include: { node: true }, orderBy: { address: 'asc' } } } },
        auditEvents: true,
      },
    });
    expect(cluster.nodes.map((n) => [n.name, n.role, n.managementAddress])).toEqual([
      ['director-a', 'DIRECTOR', '198.18.0.11'],
      ['director-b', 'DIRECTOR', '198.18.0.12'],
      ['rs-1', 'REAL_SERVER', '192.168.241.15'],
      ['rs-2', 'REAL_SERVER', '192.168.241.16'],
    ]);
    const [pair] = cluster.haPairs;
    expect(pair).toMatchObject({
      name: 'pair-1',
      interface: 'eth0',
      virtualRouterId: 51,
      advertInterval: 1,
      primaryPriority: 150,
      secondaryPriority: 100,
      vips: ['192.168.241.11'],
      primaryNode: { name: 'director-a' },
      secondaryNode: { name: 'director-b' },
    });
    const [service] = cluster.services;
    expect(service).toMatchObject({
      serviceKey: 'TCP 192.168.241.11:80',
      protocol: 'TCP',
      address: '192.168.241.11',
      port: 80,
      scheduler: 'wrr',
      persistenceTimeout: 20,
      haPairId: pair!.id,
    });
    expect(service!.realServers.map((rs) => [rs.address, rs.port, rs.forwarding, rs.weight, rs.adminState, rs.node?.name])).toEqual([
      ['192.168.241.15', 80, 'DR', 1, 'READY', 'rs-1'],
      ['192.168.241.16', 80, 'DR', 1, 'READY', 'rs-2'],
    ]);
    expect(cluster.auditEvents).toHaveLength(1);
    expect(cluster.auditEvents[0]).toMatchObject({ action: 'seed', actorName: 'seed', objectId: cluster.id });

    expect(await seedDemoCluster(db.prisma)).toEqual({ seeded: false, reason: 'clusters-exist' });
    expect(await db.prisma.cluster.count()).toBe(1);
    expect(await db.prisma.auditEvent.count()).toBe(1);
  });

  it('seeds once when two callers race', async () => {
    await db.prisma.cluster.deleteMany();
    await db.prisma.auditEvent.deleteMany();
    const results = await Promise.all([seedDemoCluster(db.prisma), seedDemoCluster(db.prisma)]);
    expect(results.filter((r) => r.seeded)).toHaveLength(1);
    expect(await db.prisma.cluster.count()).toBe(1);
  });
});
