// The agent gateway over real WebSockets on an ephemeral port, against a real Postgres: handshake,
// identity, snapshot pushes, reports, heartbeats and hostile input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '@fulcrum/db/testing/fresh-database';
import { CloseCode } from '@fulcrum/protocol/close-codes';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '@fulcrum/protocol/frames';
import { SYSTEM_ACTOR } from '@fulcrum/core/auth/actor';
import { createCluster } from '@fulcrum/core/clusters/cluster-mutations';
import { compileNodeSnapshot } from '@fulcrum/core/desired-state/compile-node-snapshot';
import { createHaPair } from '@fulcrum/core/ha-pairs/ha-pair-mutations';
import { createNode, deleteNode, issueNodeToken, revokeNodeToken } from '@fulcrum/core/nodes/node-mutations';
import { createRealServer, setRealServerWeight } from '@fulcrum/core/real-servers/real-server-mutations';
import { createVirtualService } from '@fulcrum/core/services/service-mutations';
import { listNodeEvents } from '@fulcrum/core/events/node-events';
import { buildLiveClusterView } from '@fulcrum/core/live/build-live-cluster-view';
import { onLiveSignal, type LiveSignal } from '@fulcrum/core/live/live-signals';
import { LiveStatsStore } from '@fulcrum/core/stats/live-stats-store';
import { liveServiceStats } from '@fulcrum/core/stats/live-service-stats';
import { createStatsRecorder, type StatsRecorder } from '@fulcrum/core/stats/stats-recorder';
import { createAgentGateway, type AgentGateway } from './agent-gateway';
import { listenGateway, TestAgent } from './test-agent';

const database = useFreshDatabase();
const actor = SYSTEM_ACTOR;
const HEARTBEAT_MS = 300;

let gateway: AgentGateway;
let listening: Awaited<ReturnType<typeof listenGateway>>;
let store: LiveStatsStore;
let stats: StatsRecorder;
const logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
const agents: TestAgent[] = [];

beforeAll(async () => {
  const db = database.prisma;
  store = new LiveStatsStore();
  stats = createStatsRecorder({ db, settings: { retentionHours: 48, flushIntervalMs: 3_600_000, pruneIntervalMs: 3_600_000 }, store });
  gateway = createAgentGateway({
    db,
    settings: { heartbeatIntervalMs: HEARTBEAT_MS, statsIntervalMs: 1000, reconcileIntervalMs: 30_000, kernelTableIntervalMs: 10_000 },
    stats,
    handshakeTimeoutMs: 800,
    log: (level, message, fields) => logs.push({ level, message, fields }),
  });
  listening = await listenGateway(gateway);
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await gateway?.close();
  await stats?.stop();
  await listening?.close();
});

async function connect(token: string, hello: Record<string, unknown> = {}) {
  const agent = await TestAgent.connect(listening.url, token, hello);
  agents.push(agent);
  return agent;
}

async function open() {
  const agent = await TestAgent.open(listening.url);
  agents.push(agent);
  return agent;
}

let clusterCounter = 0;
/** Two directors in pair-1 (web service, two DR real servers), a lone director C in pair-2, a real server node. */
async function buildEstate() {
  const db = database.prisma;
  const cluster = await createCluster({ db, actor, input: { name: `gw-${++clusterCounter}`, description: '' } });
  const node = (name: string, role: 'DIRECTOR' | 'REAL_SERVER', managementAddress: string) => createNode({ db, actor, input: { clusterId: cluster.id, name, role, managementAddress } });
  const a = await node('director-a', 'DIRECTOR', '198.18.0.11');
  const b = await node('director-b', 'DIRECTOR', '198.18.0.12');
  const c = await node('director-c', 'DIRECTOR', '198.18.0.13');
  const r = await node('rs-1', 'REAL_SERVER', '192.168.241.15');
  const pairBase = { clusterId: cluster.id, interface: 'eth0', advertInterval: 1, primaryPriority: 150, secondaryPriority: 100, primaryUnicastIp: null, secondaryUnicastIp: null, natGatewayIp: null, authSecret: null };
  const pair1 = await createHaPair({ db, actor, input: { ...pairBase, name: 'pair-1', virtualRouterId: 51, primaryNodeId: a.id, secondaryNodeId: b.id, vips: ['192.168.241.11'] } });
  const pair2 = await createHaPair({ db, actor, input: { ...pairBase, name: 'pair-2', virtualRouterId: 52, primaryNodeId: c.id, secondaryNodeId: null, vips: ['192.168.241.50'] } });
  const serviceBase = { clusterId: cluster.id, name: '', protocol: 'TCP' as const, port: 80, fwmark: null, scheduler: 'wrr' as const, schedulerFlags: [], persistenceTimeout: 0, persistenceNetmask: null, healthCheckKind: 'TCP' as const, healthCheckHttpPath: '/', healthCheckHttpExpectStatus: 200, healthCheckIntervalMs: 2000, healthCheckTimeoutMs: 1000, healthCheckRise: 2, healthCheckFall: 2 };
  const web = await createVirtualService({ db, actor, input: { ...serviceBase, haPairId: pair1.id, address: '192.168.241.11' } });
  const other = await createVirtualService({ db, actor, input: { ...serviceBase, haPairId: pair2.id, address: '192.168.241.50' } });
  const rsBase = { port: 80, forwarding: 'DR' as const, upperThreshold: null, lowerThreshold: null };
  const rs1 = await createRealServer({ db, actor, input: { ...rsBase, virtualServiceId: web.id, address: '192.168.241.15', weight: 3, nodeId: r.id } });
  const rs2 = await createRealServer({ db, actor, input: { ...rsBase, virtualServiceId: web.id, address: '192.168.241.16', weight: 1, nodeId: null } });
  const rs3 = await createRealServer({ db, actor, input: { ...rsBase, virtualServiceId: other.id, address: '192.168.241.60', weight: 1, nodeId: null } });
  const token = async (id: string) => (await issueNodeToken({ db, actor, input: { id } })).token;
  return { cluster, a, b, c, r, pair1, pair2, web, other, rs1, rs2, rs3, tokens: { a: await token(a.id), b: await token(b.id), c: await token(c.id), r: await token(r.id) } };
}

type Estate = Awaited<ReturnType<typeof buildEstate>>;

async function nodeRow(id: string) {
  return database.prisma.node.findUniqueOrThrow({ where: { id }, select: { agentStatus: true, agentVersion: true, lastSeenAt: true, appliedGeneration: true, lastApplyError: true } });
}

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

describe('handshake', () => {
  let estate: Estate;
  beforeAll(async () => {
    estate = await buildEstate();
  });

  it('answers a good token with welcome, then the snapshot the compiler produces', async () => {
    const agent = await connect(estate.tokens.a);
    const welcome = await agent.next('welcome');
    expect(welcome).toMatchObject({ v: PROTOCOL_VERSION, nodeId: estate.a.id, nodeName: 'director-a', clusterId: estate.cluster.id, role: 'DIRECTOR', settings: { heartbeatIntervalMs: HEARTBEAT_MS } });
    const snapshot = await agent.next('snapshot');
    const compiled = await compileNodeSnapshot({ db: database.prisma, nodeId: estate.a.id });
    expect(snapshot).toEqual({ v: PROTOCOL_VERSION, type: 'snapshot', generation: compiled.generation, revertDrift: false, node: compiled.node });
    expect(agent.frames.slice(0, 2).map((f) => f.type)).toEqual(['welcome', 'snapshot']);
    const row = await waitFor(() => nodeRow(estate.a.id), (n) => n.agentStatus === 'CONNECTED');
    expect(row).toMatchObject({ agentStatus: 'CONNECTED', agentVersion: '0.1.0-test' });
    expect(gateway.registry.connectedNodes().map((c) => c.nodeId)).toContain(estate.a.id);
    await agent.close();
  });

  it('gives a real server only its own VIPs', async () => {
    const agent = await connect(estate.tokens.r);
    const snapshot = await agent.next('snapshot');
    expect(snapshot.node).toEqual({ role: 'REAL_SERVER', vips: [{ address: '192.168.241.11', forwarding: 'DR', gateway: null }] });
    await agent.close();
  });

  it('closes an unknown token with 4401 and a reason, and stores nothing', async () => {
    await settle();
    const before = await database.prisma.nodeEvent.count();
    const agent = await connect('fa_' + 'x'.repeat(43));
    expect(await agent.closed).toEqual({ code: CloseCode.UNAUTHORIZED, reason: expect.stringMatching(/Unknown, revoked or rotated agent token/) });
    expect(agent.all('welcome')).toEqual([]);
    expect(await database.prisma.nodeEvent.count()).toBe(before);
  });

  it('closes another protocol version with 4426', async () => {
    const agent = await connect(estate.tokens.a, { v: 2 });
    expect((await agent.closed).code).toBe(CloseCode.UNSUPPORTED_VERSION);
  });

  it('closes a first frame that is not hello, and a silent socket, with 4000', async () => {
    const wrong = await open();
    wrong.send({ v: PROTOCOL_VERSION, type: 'pong', nonce: 'x' });
    expect((await wrong.closed).code).toBe(CloseCode.HANDSHAKE_FAILED);
    expect(wrong.all('error')[0]?.code).toBe('UNEXPECTED_FRAME');
    const silent = await open();
    const started = Date.now();
    expect(await silent.closed).toEqual({ code: CloseCode.HANDSHAKE_FAILED, reason: 'No hello within the handshake timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });

  it('refuses a hello whose token carries shell syntax, before any lookup', async () => {
    const agent = await connect('$(touch /tmp/pwned)-aaaaaaaaaaaaaaaaaa');
    expect((await agent.closed).code).toBe(CloseCode.HANDSHAKE_FAILED);
    expect(agent.all('error')[0]?.message).toMatch(/Token has invalid characters/);
  });
});

describe('one connection per node, bound to its token', () => {
  let estate: Estate;
  beforeAll(async () => {
    estate = await buildEstate();
  });

  it('replaces the first connection of a node with 4409 and keeps the node connected', async () => {
    const first = await connect(estate.tokens.b);
    await first.next('snapshot');
    const second = await connect(estate.tokens.b);
    await second.next('snapshot');
    expect(await first.closed).toEqual({ code: CloseCode.REPLACED, reason: expect.stringMatching(/Replaced/) });
    await settle();
    expect((await nodeRow(estate.b.id)).agentStatus).toBe('CONNECTED');
    expect(gateway.registry.connectedNodes().filter((c) => c.nodeId === estate.b.id)).toHaveLength(1);
    await second.close();
    await waitFor(() => nodeRow(estate.b.id), (n) => n.agentStatus === 'DISCONNECTED');
  });

  it('closes a live connection with 4401 the moment its token is revoked', async () => {
    const agent = await connect(estate.tokens.c);
    await agent.next('snapshot');
    const started = Date.now();
    await revokeNodeToken({ db: database.prisma, actor, input: { id: estate.c.id } });
    expect(await agent.closed).toEqual({ code: CloseCode.UNAUTHORIZED, reason: expect.stringMatching(/revoked or rotated/) });
    expect(Date.now() - started).toBeLessThan(HEARTBEAT_MS);
    const again = await connect(estate.tokens.c);
    expect((await again.closed).code).toBe(CloseCode.UNAUTHORIZED);
  });

  it('closes the old connection when the token is rotated; the new token works', async () => {
    const agent = await connect(estate.tokens.a);
    await agent.next('snapshot');
    const { token } = await issueNodeToken({ db: database.prisma, actor, input: { id: estate.a.id } });
    expect((await agent.closed).code).toBe(CloseCode.UNAUTHORIZED);
    const fresh = await connect(token);
    expect((await fresh.next('welcome')).nodeId).toBe(estate.a.id);
    await fresh.close();
    estate.tokens.a = token;
  });

  it('closes with 4404 when the node is deleted', async () => {
    const agent = await connect(estate.tokens.r);
    await agent.next('snapshot');
    const version = (await database.prisma.node.findUniqueOrThrow({ where: { id: estate.r.id } })).version;
    await deleteNode({ db: database.prisma, actor, input: { id: estate.r.id, version } });
    expect((await agent.closed).code).toBe(CloseCode.NODE_GONE);
  });
});

describe('desired state pushes', () => {
  let estate: Estate;
  beforeAll(async () => {
    estate = await buildEstate();
  });

  it('pushes the new generation to every connected node of the cluster within 200 ms of a commit', async () => {
    const a = await connect(estate.tokens.a);
    const b = await connect(estate.tokens.b);
    const first = await a.next('snapshot');
    await b.next('snapshot');
    const latencies: number[] = [];
    let version = estate.rs1.version;
    for (const weight of [5, 6, 7, 8, 9]) {
      const seenA = a.frames.length;
      const seenB = b.frames.length;
      const started = performance.now();
      const updated = await setRealServerWeight({ db: database.prisma, actor, input: { id: estate.rs1.id, version, weight } });
      version = updated.version;
      const [snapA, snapB] = await Promise.all([a.next('snapshot', { after: seenA, timeoutMs: 1000 }), b.next('snapshot', { after: seenB, timeoutMs: 1000 })]);
      latencies.push(performance.now() - started);
      for (const snap of [snapA, snapB]) {
        if (snap.node.role !== 'DIRECTOR') throw new Error('director expected');
        expect(snap.node.ipvs.services[0]?.destinations.find((d) => d.address === '192.168.241.15')?.weight).toBe(weight);
      }
      expect(snapA.generation).toBe(snapB.generation);
    }
    const generations = a.all('snapshot').map((s) => s.generation);
    expect(generations[0]).toBe(first.generation);
    expect([...generations].sort((x, y) => x - y)).toEqual(generations);
    console.log(`snapshot push latency (commit → both directors received), ms: ${latencies.map((l) => l.toFixed(1)).join(', ')}`);
    expect(Math.max(...latencies)).toBeLessThan(200);
  });

  it('coalesces a burst: the newest generation arrives, never an older one after it', async () => {
    const a = await connect(estate.tokens.a);
    await a.next('snapshot');
    const seen = a.frames.length;
    let version = (await database.prisma.realServer.findUniqueOrThrow({ where: { id: estate.rs2.id } })).version;
    for (let i = 0; i < 10; i++) version = (await setRealServerWeight({ db: database.prisma, actor, input: { id: estate.rs2.id, version, weight: 10 + i } })).version;
    const generation = (await database.prisma.cluster.findUniqueOrThrow({ where: { id: estate.cluster.id } })).generation;
    await waitFor(async () => a.all('snapshot').at(-1)?.generation, (g) => g === generation);
    const pushed = a.frames.slice(seen).filter((f) => f.type === 'snapshot').map((f) => (f as { generation: number }).generation);
    expect([...pushed].sort((x, y) => x - y)).toEqual(pushed);
    expect(new Set(pushed).size).toBe(pushed.length);
  });

  it('catches up within a heartbeat on a change committed outside this process (no change event)', async () => {
    const a = await connect(estate.tokens.a);
    const snap = await a.next('snapshot');
    const seen = a.frames.length;
    // What another process would do: commit a change, with no in-process event here.
    await database.prisma.$transaction([
      database.prisma.realServer.update({ where: { id: estate.rs2.id }, data: { weight: 42 } }),
      database.prisma.cluster.update({ where: { id: estate.cluster.id }, data: { generation: { increment: 1 } } }),
    ]);
    const next = await a.next('snapshot', { after: seen, timeoutMs: HEARTBEAT_MS * 3 });
    expect(next.generation).toBe(snap.generation + 1);
    if (next.node.role !== 'DIRECTOR') throw new Error('director expected');
    expect(next.node.ipvs.services[0]?.destinations.find((d) => d.address === '192.168.241.16')?.weight).toBe(42);
  });

  it('stores applied generations and errors, and refuses a generation it never sent', async () => {
    const a = await connect(estate.tokens.a);
    const snap = await a.next('snapshot');
    a.send({ v: 1, type: 'applied', generation: snap.generation, status: 'applied', changes: 3, errors: [], missing: [], durationMs: 12 });
    await waitFor(() => nodeRow(estate.a.id), (n) => n.appliedGeneration === snap.generation && n.lastApplyError === null);
    a.send({ v: 1, type: 'applied', generation: snap.generation, status: 'partial', changes: 1, errors: [{ item: 'TCP 192.168.241.11:80 192.168.241.16:80', message: 'No such destination' }], missing: [], durationMs: 5 });
    const row = await waitFor(() => nodeRow(estate.a.id), (n) => n.lastApplyError !== null);
    expect(row.lastApplyError).toBe('TCP 192.168.241.11:80 192.168.241.16:80: No such destination');
    const seen = a.frames.length;
    a.send({ v: 1, type: 'applied', generation: snap.generation + 1000, status: 'applied', changes: 0, errors: [], missing: [], durationMs: 1 });
    expect((await a.next('error', { after: seen })).message).toMatch(/never sent/);
    expect((await nodeRow(estate.a.id)).appliedGeneration).toBe(snap.generation);
    const applyEvents = (await listNodeEvents({ db: database.prisma, clusterId: estate.cluster.id, nodeId: estate.a.id, limit: 50 })).filter((e) => e.kind === 'APPLY');
    expect(applyEvents.map((e) => e.severity).sort()).toEqual(['ERROR', 'INFO']);
  });

  it('sends the snapshot again with revertDrift when asked through the registry', async () => {
    const b = await connect(estate.tokens.b);
    const snap = await b.next('snapshot');
    const seen = b.frames.length;
    expect(await gateway.registry.pushSnapshot(estate.b.id, { revertDrift: true })).toEqual({ sent: true, generation: snap.generation });
    expect(await b.next('snapshot', { after: seen })).toMatchObject({ generation: snap.generation, revertDrift: true });
    expect(await gateway.registry.pushSnapshot('00000000-0000-4000-8000-000000000000', { revertDrift: true })).toEqual({ sent: false, generation: null });
  });
});

describe('reports are stored for the connection’s own node only', () => {
  let estate: Estate;
  beforeAll(async () => {
    estate = await buildEstate();
  });

  const destStats = (serviceKey: string, destinationKey: string, activeConn: number, inactConn: number, weight = 1) => ({
    serviceKey, destinationKey, weight, activeConn, inactConn, persistConn: 0, connsPerSec: 2, packetsInPerSec: 10, packetsOutPerSec: 0, bytesInPerSec: 1000, bytesOutPerSec: 0,
  });
  const serviceStats = (serviceKey: string, activeConn: number, inactConn: number) => ({ serviceKey, activeConn, inactConn, connsPerSec: 4, packetsInPerSec: 20, packetsOutPerSec: 0, bytesInPerSec: 2000, bytesOutPerSec: 0 });

  it('feeds the live store: connection counts are the largest over the pair\'s directors (sync mirrors them), rates add up', async () => {
    const a = await connect(estate.tokens.a);
    const b = await connect(estate.tokens.b);
    await a.next('snapshot');
    await b.next('snapshot');
    const web = 'TCP 192.168.241.11:80';
    a.send({ v: 1, type: 'stats', sampledAt: Date.now(), services: [serviceStats(web, 7, 3)], destinations: [destStats(web, '192.168.241.15:80', 5, 2, 3), destStats(web, '192.168.241.16:80', 2, 1)] });
    b.send({ v: 1, type: 'stats', sampledAt: Date.now(), services: [serviceStats(web, 4, 1)], destinations: [destStats(web, '192.168.241.15:80', 4, 1, 3), destStats(web, '192.168.241.16:80', 0, 0, 0)] });
    const live = await waitFor(
      () => liveServiceStats({ db: database.prisma, clusterId: estate.cluster.id, store }),
      (l) => l.services.find((s) => s.serviceId === estate.web.id)?.directors.every((d) => d.reporting) ?? false,
    );
    const service = live.services.find((s) => s.serviceId === estate.web.id)!;
    expect(service).toMatchObject({ kernelKey: web, activeConn: 7, inactConn: 3, connsPerSec: 8 });
    const rs1 = service.realServers.find((r) => r.realServerId === estate.rs1.id)!;
    expect(rs1).toMatchObject({ activeConn: 5, inactConn: 2 });
    expect(rs1.kernelWeights).toEqual(expect.arrayContaining([{ nodeId: estate.a.id, weight: 3 }, { nodeId: estate.b.id, weight: 3 }]));
    expect(service.realServers.find((r) => r.realServerId === estate.rs2.id)).toMatchObject({ activeConn: 2, inactConn: 1 });
    expect(store.window(estate.a.id, web, '192.168.241.15:80').at(-1)).toMatchObject({ activeConn: 5, inactConn: 2 });
    // The other pair's service: no director of pair-2 reported, so nothing is counted.
    expect(live.services.find((s) => s.serviceId === estate.other.id)).toMatchObject({ activeConn: 0, directors: [{ nodeId: estate.c.id, reporting: false }] });
    await stats.flush({ all: true });
    expect(await database.prisma.statSample.count({ where: { nodeId: estate.a.id, serviceKey: web } })).toBe(3);
  });

  it("keeps each director's sync daemons (what its kernel runs) and shows them in the live view with the read time; a failed read is unknown", async () => {
    const a = await connect(estate.tokens.a);
    const b = await connect(estate.tokens.b);
    await a.next('snapshot');
    await b.next('snapshot');
    const signals: LiveSignal[] = [];
    const off = onLiveSignal((signal) => signals.push(signal));
    const readAt = Date.now() - 50;
    a.send({ v: 1, type: 'stats', sampledAt: readAt, services: [], destinations: [], syncDaemons: [{ role: 'master', interface: 'eth0', syncId: 51 }] });
    b.send({ v: 1, type: 'stats', sampledAt: readAt, services: [], destinations: [], syncDaemons: null });
    const view = () => buildLiveClusterView({ db: database.prisma, clusterId: estate.cluster.id, store });
    const directors = async () => (await view()).pairs.find((p) => p.pairId === estate.pair1.id)!.directors;
    const live = await waitFor(directors, (d) => d.every((x) => x.syncDaemons !== null));
    expect(live.find((d) => d.nodeId === estate.a.id)?.syncDaemons).toEqual({ daemons: [{ role: 'master', interface: 'eth0', syncId: 51 }], readAt });
    expect(live.find((d) => d.nodeId === estate.b.id)?.syncDaemons).toEqual({ daemons: null, readAt });
    expect(signals.filter((s) => s.reason === 'sync-daemon' && s.clusterId === estate.cluster.id)).toHaveLength(2);
    // a stats frame without the field (an older agent, or not read this sample) keeps the last read; the same daemons again raise no signal
    a.send({ v: 1, type: 'stats', sampledAt: Date.now(), services: [], destinations: [] });
    a.send({ v: 1, type: 'stats', sampledAt: readAt + 10, services: [], destinations: [], syncDaemons: [{ role: 'master', interface: 'eth0', syncId: 51 }] });
    b.send({ v: 1, type: 'stats', sampledAt: readAt + 10, services: [], destinations: [], syncDaemons: [{ role: 'backup', interface: 'eth0', syncId: 51 }] });
    const after = await waitFor(directors, (d) => d.find((x) => x.nodeId === estate.b.id)?.syncDaemons?.daemons?.[0]?.role === 'backup');
    expect(after.find((d) => d.nodeId === estate.a.id)?.syncDaemons).toEqual({ daemons: [{ role: 'master', interface: 'eth0', syncId: 51 }], readAt: readAt + 10 });
    expect(signals.filter((s) => s.reason === 'sync-daemon')).toHaveLength(3);
    off();
    // a disconnected agent's last read says nothing about the kernel now
    await b.close();
    const gone = await waitFor(directors, (d) => d.find((x) => x.nodeId === estate.b.id)?.syncDaemons === null);
    expect(gone.find((d) => d.nodeId === estate.a.id)?.syncDaemons).not.toBeNull();
    // hostile values are refused by the schema and never stored
    a.send({ v: 1, type: 'stats', sampledAt: Date.now(), services: [], destinations: [], syncDaemons: [{ role: 'master', interface: 'eth0; reboot', syncId: 51 }] });
    await a.next('error');
    expect((await directors()).find((d) => d.nodeId === estate.a.id)?.syncDaemons?.readAt).toBe(readAt + 10);
    await a.close();
  });

  it('ignores stats for services of another pair', async () => {
    const c = await connect(estate.tokens.c);
    await c.next('snapshot');
    logs.length = 0;
    c.send({ v: 1, type: 'stats', sampledAt: Date.now(), services: [serviceStats('TCP 192.168.241.11:80', 999, 999)], destinations: [destStats('TCP 192.168.241.11:80', '192.168.241.15:80', 999, 999)] });
    await waitFor(async () => logs.some((l) => /stats for services/.test(l.message)), Boolean);
    expect(store.latest(estate.c.id, 'TCP 192.168.241.11:80', null)).toBeNull();
  });

  it('sets RealServer.health from a health frame, never adminState, weight or version', async () => {
    const a = await connect(estate.tokens.a);
    await a.next('snapshot');
    const before = await database.prisma.realServer.findUniqueOrThrow({ where: { id: estate.rs2.id } });
    a.send({ v: 1, type: 'health', serviceKey: 'TCP 192.168.241.11:80', destinationKey: '192.168.241.16:80', state: 'DOWN', at: Date.now(), message: 'connect refused' });
    const after = await waitFor(() => database.prisma.realServer.findUniqueOrThrow({ where: { id: estate.rs2.id } }), (r) => r.health === 'DOWN');
    expect({ adminState: after.adminState, weight: after.weight, version: after.version }).toEqual({ adminState: before.adminState, weight: before.weight, version: before.version });
    const events = await listNodeEvents({ db: database.prisma, clusterId: estate.cluster.id, nodeId: estate.a.id, limit: 20 });
    expect(events.find((e) => e.kind === 'HEALTH')?.message).toMatch(/192\.168\.241\.16:80 in TCP 192\.168\.241\.11:80 is DOWN/);
  });

  it('ignores and logs a health frame for a destination of another node’s pair; those rows stay unchanged', async () => {
    const c = await connect(estate.tokens.c);
    await c.next('snapshot');
    const before = await database.prisma.realServer.findMany({ where: { virtualServiceId: estate.web.id }, orderBy: { id: 'asc' } });
    const seen = c.frames.length;
    logs.length = 0;
    c.send({ v: 1, type: 'health', serviceKey: 'TCP 192.168.241.11:80', destinationKey: '192.168.241.15:80', state: 'DOWN', at: Date.now(), message: 'forged' });
    expect((await c.next('error', { after: seen })).message).toMatch(/Unknown destination/);
    expect(logs.some((l) => /does not direct/.test(l.message) && l.fields?.node === estate.c.id)).toBe(true);
    expect(await database.prisma.realServer.findMany({ where: { virtualServiceId: estate.web.id }, orderBy: { id: 'asc' } })).toEqual(before);
    // Its own destination works.
    c.send({ v: 1, type: 'health', serviceKey: 'TCP 192.168.241.50:80', destinationKey: '192.168.241.60:80', state: 'UP', at: Date.now(), message: '' });
    await waitFor(() => database.prisma.realServer.findUniqueOrThrow({ where: { id: estate.rs3.id } }), (r) => r.health === 'UP');
  });

  it('keeps the latest VRRP state per instance and refuses instances the node does not run', async () => {
    const b = await connect(estate.tokens.b);
    await b.next('snapshot');
    b.send({ v: 1, type: 'vrrp', instance: 'pair-1', state: 'BACKUP', at: Date.now() - 1000, priority: 100 });
    b.send({ v: 1, type: 'vrrp', instance: 'pair-1', state: 'MASTER', at: Date.now(), priority: 100 });
    await waitFor(() => database.prisma.nodeVrrpState.findUnique({ where: { nodeId_instance: { nodeId: estate.b.id, instance: 'pair-1' } } }), (v) => v?.state === 'MASTER');
    const seen = b.frames.length;
    b.send({ v: 1, type: 'vrrp', instance: '; rm -rf /', state: 'MASTER', at: Date.now(), priority: 100 });
    await b.next('error', { after: seen });
    expect(await database.prisma.nodeVrrpState.count({ where: { nodeId: estate.b.id } })).toBe(1);
    const vrrpEvents = (await listNodeEvents({ db: database.prisma, clusterId: estate.cluster.id, nodeId: estate.b.id, limit: 20 })).filter((e) => e.kind === 'VRRP');
    expect(vrrpEvents.map((e) => e.message)).toEqual(['pair-1: BACKUP → MASTER', 'pair-1: unknown → BACKUP']);
  });

  it('keeps the latest drift report of the node', async () => {
    const a = await connect(estate.tokens.a);
    const snap = await a.next('snapshot');
    a.send({ v: 1, type: 'drift', generation: snap.generation, detectedAt: Date.now(), items: [{ kind: 'ipvs-destination', key: 'TCP 192.168.241.11:80 192.168.241.99:80', change: 'unexpected', desired: null, actual: 'weight 1' }] });
    const drift = await waitFor(() => database.prisma.nodeDrift.findUnique({ where: { nodeId: estate.a.id } }), (d) => d !== null);
    expect(drift).toMatchObject({ generation: snap.generation, itemCount: 1 });
  });

  it('puts agent events on the timeline', async () => {
    const a = await connect(estate.tokens.a);
    await a.next('snapshot');
    a.send({ v: 1, type: 'event', kind: 'keepalived-restarted', severity: 'warning', message: 'keepalived died (signal 9) and was restarted', at: Date.now() });
    const events = await waitFor(() => listNodeEvents({ db: database.prisma, clusterId: estate.cluster.id, nodeId: estate.a.id, limit: 5 }), (e) => e.some((x) => /keepalived died/.test(x.message)));
    expect(events.find((e) => /keepalived died/.test(e.message))).toMatchObject({ kind: 'AGENT', severity: 'WARNING', nodeName: 'director-a' });
  });
});

describe('hostile and broken input', () => {
  let estate: Estate;
  beforeAll(async () => {
    estate = await buildEstate();
  });

  async function storedCounts() {
    const db = database.prisma;
    const [events, vrrp, drift, samples, health] = await Promise.all([
      db.nodeEvent.count(),
      db.nodeVrrpState.count(),
      db.nodeDrift.count(),
      db.statSample.count(),
      db.realServer.findMany({ select: { id: true, health: true, weight: true, adminState: true }, orderBy: { id: 'asc' } }),
    ]);
    return { events, vrrp, drift, samples, health };
  }

  it('answers malformed JSON, unknown types, wrong fields and command-like strings with error frames, stores nothing, and keeps serving', async () => {
    const a = await connect(estate.tokens.a);
    const b = await connect(estate.tokens.b);
    await a.next('snapshot');
    await b.next('snapshot');
    await settle();
    const before = await storedCounts();
    const seen = a.frames.length;
    a.send('{"v":1,"type":"stats",');
    a.send({ v: 1, type: 'reboot', command: 'reboot' });
    a.send({ v: 1, type: 'health', serviceKey: 'TCP 192.168.241.11:80', destinationKey: '$(touch /tmp/x)', state: 'DOWN', at: Date.now(), message: '' });
    a.send({ v: 1, type: 'health', serviceKey: 'TCP 192.168.241.11:80', destinationKey: '192.168.241.15:80', state: 'DOWN; rm -rf /', at: Date.now(), message: '' });
    a.send({ v: 1, type: 'vrrp', instance: '`id`', state: 'MASTER', at: Date.now(), priority: 1 });
    a.send({ v: 1, type: 'event', kind: 'agent-started', severity: 'info', message: 'a\u0000b', at: Date.now() });
    a.send({ v: 1, type: 'stats', sampledAt: Date.now(), services: [], destinations: [{ serviceKey: 'x\u0000y' }] });
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const errors = await waitFor(async () => a.frames.slice(seen).filter((f) => f.type === 'error'), (e) => e.length >= 8);
    expect(errors.map((e) => (e as { code: string }).code)).toEqual(['INVALID_FRAME', 'INVALID_FRAME', 'UNEXPECTED_FRAME', 'INVALID_FRAME', 'UNEXPECTED_FRAME', 'INVALID_FRAME', 'INVALID_FRAME', 'INVALID_FRAME']);
    expect((errors[0] as { message: string }).message).toBe('Frame is not JSON');
    // The other agent is still served, and pings still flow to both.
    const seenB = b.frames.length;
    await b.next('ping', { after: seenB, timeoutMs: HEARTBEAT_MS * 3 });
    expect(a.ws.readyState).toBe(a.ws.OPEN);
    await settle();
    expect(await storedCounts()).toEqual(before);
  });

  it('closes a connection after ten invalid frames with 4422', async () => {
    const a = await connect(estate.tokens.a);
    await a.next('snapshot');
    for (let i = 0; i < 10; i++) a.send('not json');
    expect(await a.closed).toEqual({ code: CloseCode.PROTOCOL_ERROR, reason: '10 invalid frames' });
  });

  it('closes an oversized frame with 1009 and keeps serving others', async () => {
    const a = await connect(estate.tokens.a);
    const b = await connect(estate.tokens.b);
    await a.next('snapshot');
    await b.next('snapshot');
    a.send('x'.repeat(MAX_FRAME_BYTES + 1));
    expect((await a.closed).code).toBe(CloseCode.TOO_LARGE);
    const seen = b.frames.length;
    await b.next('ping', { after: seen, timeoutMs: HEARTBEAT_MS * 3 });
    expect(b.ws.readyState).toBe(b.ws.OPEN);
  });

  it('closes with 4408 after two unanswered pings and marks the node DISCONNECTED with its last-seen time', async () => {
    const c = await connect(estate.tokens.c);
    await c.next('snapshot');
    await waitFor(() => nodeRow(estate.c.id), (n) => n.agentStatus === 'CONNECTED');
    c.autoPong = false;
    const started = Date.now();
    expect(await c.closed).toEqual({ code: CloseCode.HEARTBEAT_TIMEOUT, reason: 'No pong to two heartbeats' });
    expect(Date.now() - started).toBeLessThan(HEARTBEAT_MS * 4 + 200);
    const row = await waitFor(() => nodeRow(estate.c.id), (n) => n.agentStatus === 'DISCONNECTED');
    expect(row.lastSeenAt).toBeInstanceOf(Date);
    expect(gateway.registry.connectedNodes().some((n) => n.nodeId === estate.c.id)).toBe(false);
  });
});
