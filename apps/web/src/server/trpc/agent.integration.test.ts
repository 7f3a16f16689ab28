// agent.status, stats.live, events.list and agent.revertDrift through the real router, with a real
// gateway and a scripted agent on an ephemeral port, on a real Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { useFreshDatabase } from '@fulcrum/db/testing/fresh-database';
import { PROTOCOL_VERSION } from '@fulcrum/protocol/frames';
import { getLiveStatsStore } from '@fulcrum/core/stats/live-stats-store';
import { createStatsRecorder, type StatsRecorder } from '@fulcrum/core/stats/stats-recorder';
import { createAgentGateway, type AgentGateway } from '../agent-gateway/agent-gateway';
import { listenGateway, TestAgent } from '../agent-gateway/test-agent';
import { callerFor, createTestUser } from './testing';

const database = useFreshDatabase();
type Caller = Awaited<ReturnType<typeof callerFor>>['caller'];
let admin: Caller;
let viewer: Caller;
let gateway: AgentGateway;
let stats: StatsRecorder;
let listening: Awaited<ReturnType<typeof listenGateway>>;
const agents: TestAgent[] = [];

beforeAll(async () => {
  const db = database.prisma;
  admin = (await callerFor(db, (await createTestUser(db, 'alice', 'ADMIN')).token)).caller;
  viewer = (await callerFor(db, (await createTestUser(db, 'victor', 'VIEWER')).token)).caller;
  // The process-wide store, as in production: tRPC reads what the gateway feeds.
  stats = createStatsRecorder({ db, settings: { retentionHours: 48, flushIntervalMs: 3_600_000, pruneIntervalMs: 3_600_000 }, store: getLiveStatsStore() });
  gateway = createAgentGateway({ db, stats, settings: { heartbeatIntervalMs: 1000, statsIntervalMs: 1000, reconcileIntervalMs: 30_000, kernelTableIntervalMs: 10_000 }, log: () => {} });
  listening = await listenGateway(gateway);
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await gateway?.close();
  await stats?.stop();
  await listening?.close();
});

let clusters = 0;
async function setup() {
  const cluster = await admin.cluster.create({ name: `live-${++clusters}`, description: '' });
  const a = await admin.node.create({ clusterId: cluster.id, name: 'director-a', role: 'DIRECTOR', managementAddress: '198.18.0.11' });
  const b = await admin.node.create({ clusterId: cluster.id, name: 'director-b', role: 'DIRECTOR', managementAddress: '198.18.0.12' });
  const r = await admin.node.create({ clusterId: cluster.id, name: 'rs-nat', role: 'REAL_SERVER', managementAddress: '10.0.0.15' });
  const pair = await admin.haPair.create({ clusterId: cluster.id, name: 'pair-1', interface: 'eth0', virtualRouterId: 51, primaryNodeId: a.id, secondaryNodeId: b.id, authSecret: 'pw', vips: ['192.168.241.11'] });
  const service = await admin.service.create({ clusterId: cluster.id, haPairId: pair.id, protocol: 'TCP', address: '192.168.241.11', port: 80 });
  const rs = await admin.realServer.create({ virtualServiceId: service.id, address: '10.0.0.15', port: 8080, forwarding: 'NAT', nodeId: r.id, weight: 2 });
  return { cluster, a, b, r, pair, service, rs };
}

describe('agent, stats and events procedures', () => {
  it('report status, summed live stats and the timeline to viewers, without secrets', async () => {
    const s = await setup();
    const { token } = await admin.node.issueToken({ id: s.a.id });
    const agent = await TestAgent.connect(listening.url, token);
    agents.push(agent);
    const snapshot = await agent.next('snapshot');
    agent.send({ v: PROTOCOL_VERSION, type: 'applied', generation: snapshot.generation, status: 'applied', changes: 2, errors: [], missing: [], durationMs: 9 });
    agent.send({
      v: PROTOCOL_VERSION,
      type: 'stats',
      sampledAt: Date.now(),
      services: [{ serviceKey: 'TCP 192.168.241.11:80', activeConn: 4, inactConn: 1, connsPerSec: 1, packetsInPerSec: 1, packetsOutPerSec: 1, bytesInPerSec: 1, bytesOutPerSec: 1 }],
      destinations: [{ serviceKey: 'TCP 192.168.241.11:80', destinationKey: '10.0.0.15:8080', weight: 2, activeConn: 4, inactConn: 1, persistConn: 0, connsPerSec: 1, packetsInPerSec: 1, packetsOutPerSec: 1, bytesInPerSec: 1, bytesOutPerSec: 1 }],
    });

    let status = await viewer.agent.status({ clusterId: s.cluster.id });
    for (let i = 0; i < 40 && status.nodes.find((n) => n.id === s.a.id)?.appliedGeneration !== snapshot.generation; i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = await viewer.agent.status({ clusterId: s.cluster.id });
    }
    const nodeA = status.nodes.find((n) => n.id === s.a.id)!;
    expect(status.generation).toBe(snapshot.generation);
    expect(nodeA).toMatchObject({ connected: true, agentStatus: 'CONNECTED', appliedGeneration: snapshot.generation, upToDate: true, lastApplyError: null, hasToken: true, drift: null, issues: [] });
    expect(status.nodes.find((n) => n.id === s.b.id)).toMatchObject({ connected: false, agentStatus: 'NEVER_CONNECTED', hasToken: false });
    // The NAT real server's pair has no gateway: the compiler says so, for the UI to show.
    expect(status.nodes.find((n) => n.id === s.r.id)?.issues).toEqual([expect.objectContaining({ severity: 'error', objectId: s.rs.id, message: expect.stringMatching(/no NAT gateway/) })]);
    const text = JSON.stringify(status);
    expect(text).not.toMatch(/tokenHash|authSecret|"pw"/);

    const live = await viewer.stats.live({ clusterId: s.cluster.id });
    expect(live.services[0]).toMatchObject({ serviceId: s.service.id, activeConn: 4, inactConn: 1 });
    expect(live.services[0]?.realServers[0]).toMatchObject({ realServerId: s.rs.id, activeConn: 4, kernelWeights: [{ nodeId: s.a.id, weight: 2 }] });

    const events = await viewer.events.list({ clusterId: s.cluster.id, limit: 10 });
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['AGENT', 'APPLY']));
    expect((await viewer.events.list({ clusterId: s.cluster.id, nodeId: s.b.id, limit: 10 }))).toEqual([]);
  });

  it('lets an admin revert drift on a connected node (audited), and refuses otherwise', async () => {
    const s = await setup();
    const { token } = await admin.node.issueToken({ id: s.b.id });
    const agent = await TestAgent.connect(listening.url, token);
    agents.push(agent);
    const snapshot = await agent.next('snapshot');
    const seen = agent.frames.length;
    await expect(viewer.agent.revertDrift({ nodeId: s.b.id })).rejects.toSatisfy((e: unknown) => e instanceof TRPCError && e.code === 'FORBIDDEN');
    expect(await admin.agent.revertDrift({ nodeId: s.b.id })).toEqual({ nodeId: s.b.id, generation: snapshot.generation });
    expect(await agent.next('snapshot', { after: seen })).toMatchObject({ revertDrift: true, generation: snapshot.generation });
    const audit = await database.prisma.auditEvent.findFirst({ where: { action: 'node.revertDrift', objectId: s.b.id }, select: { actorName: true, clusterId: true } });
    expect(audit).toEqual({ actorName: 'alice', clusterId: s.cluster.id });
    await expect(admin.agent.revertDrift({ nodeId: s.a.id })).rejects.toSatisfy((e: unknown) => e instanceof TRPCError && e.code === 'CONFLICT' && /not connected/.test(e.message));
  });
});
