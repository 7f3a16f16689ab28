// The compiler over a real Postgres: the estate built through the domain functions, compiled per node.
import { describe, expect, it } from 'vitest';
import { useFreshDatabase } from '@fulcrum/db/testing/fresh-database';
import { SYSTEM_ACTOR } from '../auth/actor';
import { createCluster } from '../clusters/cluster-mutations';
import { createHaPair } from '../ha-pairs/ha-pair-mutations';
import { createNode } from '../nodes/node-mutations';
import { createRealServer, setRealServerWeight } from '../real-servers/real-server-mutations';
import { createVirtualService } from '../services/service-mutations';
import { compileNodeSnapshot } from './compile-node-snapshot';

const database = useFreshDatabase();
const actor = SYSTEM_ACTOR;

async function buildEstate() {
  const db = database.prisma;
  const cluster = await createCluster({ db, actor, input: { name: `c-${Math.random().toString(36).slice(2, 8)}`, description: '' } });
  const a = await createNode({ db, actor, input: { clusterId: cluster.id, name: 'director-a', role: 'DIRECTOR', managementAddress: '198.18.0.11' } });
  const b = await createNode({ db, actor, input: { clusterId: cluster.id, name: 'director-b', role: 'DIRECTOR', managementAddress: '198.18.0.12' } });
  const r1 = await createNode({ db, actor, input: { clusterId: cluster.id, name: 'rs-1', role: 'REAL_SERVER', managementAddress: '192.168.241.15' } });
  const pair = await createHaPair({
    db,
    actor,
    input: {
      clusterId: cluster.id, name: 'pair-1', interface: 'eth0', virtualRouterId: 51, advertInterval: 1, primaryNodeId: a.id, primaryPriority: 150, secondaryNodeId: b.id,
      secondaryPriority: 100, primaryUnicastIp: null, secondaryUnicastIp: null, vips: ['192.168.241.11'], natGatewayIp: '192.168.241.1', authSecret: 's3cret',
    },
  });
  const service = await createVirtualService({
    db,
    actor,
    input: {
      clusterId: cluster.id, haPairId: pair.id, name: 'web', protocol: 'TCP', address: '192.168.241.11', port: 80, fwmark: null, scheduler: 'wrr', schedulerFlags: [],
      persistenceTimeout: 20, persistenceNetmask: null, healthCheckKind: 'HTTP', healthCheckHttpPath: '/health', healthCheckHttpExpectStatus: 200,
      healthCheckIntervalMs: 2000, healthCheckTimeoutMs: 1000, healthCheckRise: 2, healthCheckFall: 3,
    },
  });
  const rs1 = await createRealServer({ db, actor, input: { virtualServiceId: service.id, address: '192.168.241.15', port: 80, weight: 3, forwarding: 'DR', nodeId: r1.id, upperThreshold: null, lowerThreshold: null } });
  const rs2 = await createRealServer({ db, actor, input: { virtualServiceId: service.id, address: '192.168.241.16', port: 8080, weight: 2, forwarding: 'NAT', nodeId: r1.id, upperThreshold: null, lowerThreshold: null } });
  return { cluster, a, b, r1, pair, service, rs1, rs2 };
}

describe('compileNodeSnapshot', () => {
  it('compiles the directors and the real server from the database at the current generation', async () => {
    const db = database.prisma;
    const estate = await buildEstate();
    const generation = (await db.cluster.findUniqueOrThrow({ where: { id: estate.cluster.id } })).generation;

    const a = await compileNodeSnapshot({ db, nodeId: estate.a.id });
    expect(a.generation).toBe(generation);
    expect(a.clusterId).toBe(estate.cluster.id);
    if (a.node.role !== 'DIRECTOR') throw new Error('expected a director');
    expect(a.node.ipvs.services[0]?.destinations).toEqual([
      { address: '192.168.241.15', port: 80, forwarding: 'DR', weight: 3, upperThreshold: 0, lowerThreshold: 0 },
      { address: '192.168.241.16', port: 8080, forwarding: 'NAT', weight: 2, upperThreshold: 0, lowerThreshold: 0 },
    ]);
    expect(a.node.keepalived?.instances[0]).toMatchObject({ name: 'pair-1', state: 'MASTER', priority: 150, authPass: 's3cret' });
    expect(a.node.healthChecks.map((c) => [c.destinationKey, c.kind, c.httpPath, c.fall])).toEqual([
      ['192.168.241.15:80', 'HTTP', '/health', 3],
      ['192.168.241.16:8080', 'HTTP', '/health', 3],
    ]);

    const r = await compileNodeSnapshot({ db, nodeId: estate.r1.id });
    expect(r.node).toEqual({
      role: 'REAL_SERVER',
      vips: [
        { address: '192.168.241.11', forwarding: 'DR', gateway: null },
        { address: '192.168.241.11', forwarding: 'NAT', gateway: '192.168.241.1' },
      ],
    });
    expect(r.issues).toEqual([]);
  });

  it('follows a committed weight change with a newer generation', async () => {
    const db = database.prisma;
    const estate = await buildEstate();
    const before = await compileNodeSnapshot({ db, nodeId: estate.b.id });
    await setRealServerWeight({ db, actor, input: { id: estate.rs1.id, version: estate.rs1.version, weight: 9 } });
    const after = await compileNodeSnapshot({ db, nodeId: estate.b.id });
    expect(after.generation).toBe(before.generation + 1);
    if (after.node.role !== 'DIRECTOR') throw new Error('expected a director');
    expect(after.node.ipvs.services[0]?.destinations[0]?.weight).toBe(9);
  });

  it('refuses an unknown node with NOT_FOUND', async () => {
    await expect(compileNodeSnapshot({ db: database.prisma, nodeId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
