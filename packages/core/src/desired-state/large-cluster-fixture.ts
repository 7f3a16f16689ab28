// For integration tests and timings: a cluster the size of a large estate (the benchmark's shape:
// services of 50 DR destinations on one VIP, ports 1000 and up), two directors in one pair.
// Services go through the domain functions; the real servers are inserted in bulk, because 10,000
// commits would take minutes and the compiler only reads rows.
import type { Db } from '../db';
import { SYSTEM_ACTOR } from '../auth/actor';
import { createCluster } from '../clusters/cluster-mutations';
import { createHaPair } from '../ha-pairs/ha-pair-mutations';
import { createNode } from '../nodes/node-mutations';
import { createVirtualService } from '../services/service-mutations';

/** The cluster, its two directors, and every real server as inserted (id, service port, address, weight, admin state). */
export type LargeCluster = {
  clusterId: string;
  directorIds: [string, string];
  realServers: Array<{ id: string; serviceId: string; port: number; address: string; weight: number; adminState: 'READY' | 'DRAINED' }>;
};

/**
 * Builds `services` × `perService` destinations. A little variety so the compiler's rules are
 * exercised too: every 20th service is TCP health-checked, every 10th server is drained, weights
 * vary, and one server's unrestored drain asks to expire persistence.
 */
export async function buildLargeCluster(db: Db, options: { services: number; perService: number }): Promise<LargeCluster> {
  const actor = SYSTEM_ACTOR;
  const cluster = await createCluster({ db, actor, input: { name: `large-${Math.random().toString(36).slice(2, 8)}`, description: '' } });
  const a = await createNode({ db, actor, input: { clusterId: cluster.id, name: 'director-a', role: 'DIRECTOR', managementAddress: '198.18.0.11' } });
  const b = await createNode({ db, actor, input: { clusterId: cluster.id, name: 'director-b', role: 'DIRECTOR', managementAddress: '198.18.0.12' } });
  const pair = await createHaPair({
    db,
    actor,
    input: {
      clusterId: cluster.id, name: 'pair-1', interface: 'eth0', virtualRouterId: 51, advertInterval: 1, primaryNodeId: a.id, primaryPriority: 150, secondaryNodeId: b.id,
      secondaryPriority: 100, primaryUnicastIp: null, secondaryUnicastIp: null, vips: ['192.168.241.11'], natGatewayIp: null, authSecret: 's3cret',
    },
  });
  const realServers: LargeCluster['realServers'] = [];
  for (let i = 0; i < options.services; i++) {
    const port = 1000 + i;
    const service = await createVirtualService({
      db,
      actor,
      input: {
        clusterId: cluster.id, haPairId: pair.id, name: '', protocol: 'TCP', address: '192.168.241.11', port, fwmark: null, scheduler: 'wrr', schedulerFlags: [],
        persistenceTimeout: 0, persistenceNetmask: null, healthCheckKind: i % 20 === 0 ? 'TCP' : 'NONE', healthCheckHttpPath: '/', healthCheckHttpExpectStatus: 200,
        healthCheckIntervalMs: 2000, healthCheckTimeoutMs: 1000, healthCheckRise: 2, healthCheckFall: 2,
      },
    });
    const rows = Array.from({ length: options.perService }, (_, j) => ({
      virtualServiceId: service.id,
      address: `198.19.${Math.floor(j / 254)}.${(j % 254) + 1}`,
      port,
      weight: 1 + ((i + j) % 5),
      forwarding: 'DR' as const,
      adminState: j % 10 === 9 ? ('DRAINED' as const) : ('READY' as const),
    }));
    const created = await db.realServer.createManyAndReturn({ data: rows, select: { id: true, address: true, weight: true, adminState: true } });
    for (const rs of created) realServers.push({ id: rs.id, serviceId: service.id, port, address: rs.address, weight: rs.weight, adminState: rs.adminState as 'READY' | 'DRAINED' });
  }
  const drained = realServers.find((rs) => rs.adminState === 'DRAINED');
  if (drained) {
    await db.drainJob.create({
      data: {
        clusterId: cluster.id, realServerId: drained.id, previousWeight: drained.weight, expirePersistence: true, requireInactiveZero: false, activeThreshold: 0,
        deadlineAt: new Date(Date.now() + 3_600_000), state: 'DRAINED', startedBy: 'system',
      },
    });
  }
  // Bulk rows bypassed commitChange: one bump so the generation is newer than anything compiled before them.
  await db.cluster.update({ where: { id: cluster.id }, data: { generation: { increment: 1 } } });
  return { clusterId: cluster.id, directorIds: [a.id, b.id], realServers };
}
