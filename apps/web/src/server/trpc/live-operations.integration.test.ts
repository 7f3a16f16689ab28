// Live operations through the real router, a real gateway with two scripted director agents on real
// WebSockets, the drain runner, and the SSE subscription read through the fetch adapter — on a real
// Postgres: drain → DRAINED / TIMED_OUT → FORCED / restore, confirmation, maintenance, history,
// kernel tables, drift adoption, settings, and who may do what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import superjson from 'superjson';
import { useFreshDatabase } from '@fulcrum/db/testing/fresh-database';
import { PROTOCOL_VERSION } from '@fulcrum/protocol/frames';
import { SESSION_COOKIE } from '@fulcrum/core/auth/sessions';
import { createDrainRunner, type DrainRunner } from '@fulcrum/core/drain/drain-runner';
import type { LiveClusterEvent } from '@fulcrum/core/live/live-schemas';
import { getLiveStatsStore } from '@fulcrum/core/stats/live-stats-store';
import { createStatsRecorder, type StatsRecorder } from '@fulcrum/core/stats/stats-recorder';
import { createAgentGateway, type AgentGateway } from '../agent-gateway/agent-gateway';
import { listenGateway, TestAgent } from '../agent-gateway/test-agent';
import { createContext } from './context';
import { appRouter } from './router';
import { callerFor, createTestUser, httpCall } from './testing';

const database = useFreshDatabase();
type Caller = Awaited<ReturnType<typeof callerFor>>['caller'];
let admin: Caller;
let operator: Caller;
let viewer: Caller;
let viewerToken: string;
let gateway: AgentGateway;
let stats: StatsRecorder;
let runner: DrainRunner;
let listening: Awaited<ReturnType<typeof listenGateway>>;
const agents: TestAgent[] = [];

beforeAll(async () => {
  const db = database.prisma;
  admin = (await callerFor(db, (await createTestUser(db, 'alice', 'ADMIN')).token)).caller;
  operator = (await callerFor(db, (await createTestUser(db, 'oscar', 'OPERATOR')).token)).caller;
  viewerToken = (await createTestUser(db, 'victor', 'VIEWER')).token;
  viewer = (await callerFor(db, viewerToken)).caller;
  // The process-wide store, as in production: the gateway feeds it, tRPC and the runner read it.
  stats = createStatsRecorder({ db, settings: { retentionHours: 48, flushIntervalMs: 3_600_000, pruneIntervalMs: 3_600_000 }, store: getLiveStatsStore() });
  gateway = createAgentGateway({ db, stats, settings: { heartbeatIntervalMs: 1000, statsIntervalMs: 1000, reconcileIntervalMs: 30_000, kernelTableIntervalMs: 10_000 }, log: () => {} });
  listening = await listenGateway(gateway);
  runner = createDrainRunner({ db, intervalMs: 1000, log: () => {} });
});

afterAll(async () => {
  await runner?.stop();
  await Promise.all(agents.map((a) => a.close()));
  await gateway?.close();
  await stats?.stop();
  await listening?.close();
});

const VIP = '192.168.241.11';
const SVC = `TCP ${VIP}:80`;
let clusters = 0;

/** Two directors in one pair, a web service with two DR real servers, a single-server service; both agents connected. */
async function setup() {
  const cluster = await admin.cluster.create({ name: `ops-${++clusters}`, description: '' });
  const a = await admin.node.create({ clusterId: cluster.id, name: 'director-a', role: 'DIRECTOR', managementAddress: '198.18.0.11' });
  const b = await admin.node.create({ clusterId: cluster.id, name: 'director-b', role: 'DIRECTOR', managementAddress: '198.18.0.12' });
  const pair = await admin.haPair.create({ clusterId: cluster.id, name: 'pair-1', interface: 'eth0', virtualRouterId: 51, primaryNodeId: a.id, secondaryNodeId: b.id, vips: [VIP, '192.168.241.12'] });
  const web = await admin.service.create({ clusterId: cluster.id, haPairId: pair.id, protocol: 'TCP', address: VIP, port: 80 });
  const lone = await admin.service.create({ clusterId: cluster.id, haPairId: pair.id, protocol: 'TCP', address: '192.168.241.12', port: 80 });
  const rs1 = await admin.realServer.create({ virtualServiceId: web.id, address: '192.168.241.15', port: 80, weight: 3 });
  const rs2 = await admin.realServer.create({ virtualServiceId: web.id, address: '192.168.241.16', port: 80, weight: 1 });
  const only = await admin.realServer.create({ virtualServiceId: lone.id, address: '192.168.241.17', port: 80, weight: 1 });
  const connect = async (id: string) => {
    const { token } = await admin.node.issueToken({ id });
    const agent = await TestAgent.connect(listening.url, token);
    agents.push(agent);
    const snapshot = await agent.next('snapshot');
    agent.send({ v: PROTOCOL_VERSION, type: 'applied', generation: snapshot.generation, status: 'applied', changes: 1, errors: [], missing: [], durationMs: 3 });
    return agent;
  };
  return { cluster, a, b, pair, web, lone, rs1, rs2, only, agentA: await connect(a.id), agentB: await connect(b.id) };
}
type Setup = Awaited<ReturnType<typeof setup>>;

/** One stats frame: per destination of the web service, weight and counters. */
function sendStats(agent: TestAgent, rows: Array<{ address: string; weight: number; activeConn: number; inactConn?: number; connsPerSec?: number }>, kernelTable?: string) {
  const counters = (r: (typeof rows)[number]) => ({ activeConn: r.activeConn, inactConn: r.inactConn ?? 0, connsPerSec: r.connsPerSec ?? 0, packetsInPerSec: 0, packetsOutPerSec: 0, bytesInPerSec: 100, bytesOutPerSec: 0 });
  agent.send({
    v: PROTOCOL_VERSION,
    type: 'stats',
    sampledAt: Date.now(),
    services: [{ serviceKey: SVC, ...counters({ address: '', weight: 0, activeConn: rows.reduce((s, r) => s + r.activeConn, 0) }) }],
    destinations: rows.map((r) => ({ serviceKey: SVC, destinationKey: `${r.address}:80`, weight: r.weight, persistConn: 0, ...counters(r) })),
    ...(kernelTable !== undefined ? { kernelTable } : {}),
  });
}

/** The weight of a destination in the newest snapshot an agent got after `after` frames. */
async function nextWeight(agent: TestAgent, address: string, after: number) {
  const snapshot = await agent.next('snapshot', { after });
  if (snapshot.node.role !== 'DIRECTOR') throw new Error('not a director snapshot');
  return { snapshot, weight: snapshot.node.ipvs.services.find((s) => s.protocol !== 'FWMARK' && s.address === VIP)?.destinations.find((d) => d.address === address)?.weight };
}

/** Waits for a snapshot giving the destination `expected` (pushes of earlier commits may still be on their way). */
async function waitWeight(agent: TestAgent, address: string, expected: number, after: number) {
  for (let from = after; ; ) {
    const next = await nextWeight(agent, address, from);
    if (next.weight === expected) return next;
    from = agent.frames.indexOf(next.snapshot) + 1;
  }
}

/** Answers the newest snapshot an agent got with `applied`, as a real agent does. */
async function ackLatest(agent: TestAgent, nodeId: string) {
  const generation = agent.all('snapshot').at(-1)!.generation;
  agent.send({ v: PROTOCOL_VERSION, type: 'applied', generation, status: 'applied', changes: 0, errors: [], missing: [], durationMs: 1 });
  await waitFor(() => database.prisma.node.findUniqueOrThrow({ where: { id: nodeId }, select: { appliedGeneration: true } }), (n) => n.appliedGeneration === generation);
}

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 4000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rsRow = (id: string) => database.prisma.realServer.findUniqueOrThrow({ where: { id }, select: { adminState: true, weight: true, version: true } });
const jobRow = (id: string) => database.prisma.drainJob.findUniqueOrThrow({ where: { id }, select: { state: true, activeConn: true, endedAt: true, restoredAt: true, reason: true } });
const trpcCode = (code: string, message?: RegExp) => (e: unknown) => e instanceof TRPCError && e.code === code && (!message || message.test(e.message));
const drainInput = (s: Setup, version: number, extra: Record<string, unknown> = {}) => ({ realServerId: s.rs1.id, version, expirePersistence: false, requireInactiveZero: false, activeThreshold: 0, deadlineSeconds: 300, confirm: false, ...extra });

describe('drain', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup();
  });

  it('start → weight 0 on both directors; counters 2 then 0 on both → DRAINED; restore → previous weight', async () => {
    const seenA = s.agentA.frames.length;
    const seenB = s.agentB.frames.length;
    const started = await operator.drain.start(drainInput(s, s.rs1.version, { expirePersistence: true }));
    expect(started.job).toMatchObject({ state: 'RUNNING', previousWeight: 3, startedBy: 'oscar', label: `192.168.241.15:80 in ${SVC}`, restoredAt: null });
    expect(started.realServer).toMatchObject({ adminState: 'DRAINING', weight: 3 });
    const a = await nextWeight(s.agentA, '192.168.241.15', seenA);
    const b = await nextWeight(s.agentB, '192.168.241.15', seenB);
    expect([a.weight, b.weight]).toEqual([0, 0]);
    // The drain asked to expire persistence templates: both directors get the sysctl with it.
    expect(a.snapshot.node.role === 'DIRECTOR' && a.snapshot.node.sysctls).toEqual([{ key: 'net.ipv4.vs.expire_quiescent_template', value: 1 }]);

    sendStats(s.agentA, [{ address: '192.168.241.15', weight: 0, activeConn: 2, inactConn: 5 }, { address: '192.168.241.16', weight: 1, activeConn: 1 }]);
    sendStats(s.agentB, [{ address: '192.168.241.15', weight: 0, activeConn: 2 }, { address: '192.168.241.16', weight: 1, activeConn: 0 }]);
    const running = await waitFor(() => jobRow(started.job.jobId), (j) => j.activeConn === 2);
    expect(running).toMatchObject({ state: 'RUNNING', reason: '2 active connection(s) left' });
    expect((await viewer.drain.list({ clusterId: s.cluster.id }))[0]).toMatchObject({ jobId: started.job.jobId, state: 'RUNNING', activeConn: 2, inactConn: 5 });

    const zeroAt = Date.now();
    sendStats(s.agentA, [{ address: '192.168.241.15', weight: 0, activeConn: 0, inactConn: 5 }, { address: '192.168.241.16', weight: 1, activeConn: 1 }]);
    sendStats(s.agentB, [{ address: '192.168.241.15', weight: 0, activeConn: 0 }, { address: '192.168.241.16', weight: 1, activeConn: 0 }]);
    const drained = await waitFor(() => jobRow(started.job.jobId), (j) => j.state === 'DRAINED', 3000);
    const detectionMs = Date.now() - zeroAt;
    console.log(`[figures] drain detection delay: ${detectionMs} ms (runner every 1000 ms)`);
    expect(detectionMs).toBeLessThan(2500);
    expect(drained.endedAt).not.toBeNull();
    expect(await rsRow(s.rs1.id)).toMatchObject({ adminState: 'DRAINED' });
    const audit = await database.prisma.auditEvent.findMany({ where: { objectId: s.rs1.id, action: { startsWith: 'drain.' } }, orderBy: { createdAt: 'asc' }, select: { action: true, actorName: true } });
    expect(audit).toEqual([{ action: 'drain.start', actorName: 'oscar' }, { action: 'drain.drained', actorName: 'system' }]);

    const seen = s.agentA.frames.length;
    const restored = await operator.drain.restore({ realServerId: s.rs1.id });
    expect(restored).toMatchObject({ jobId: started.job.jobId, realServer: { adminState: 'READY', weight: 3 } });
    const after = await waitWeight(s.agentA, '192.168.241.15', 3, seen);
    expect(after.snapshot.node.role === 'DIRECTOR' && after.snapshot.node.sysctls).toEqual([]);
    expect(await jobRow(started.job.jobId)).toMatchObject({ state: 'DRAINED', restoredAt: expect.any(Date) });
  });

  it('deadline → TIMED_OUT (still draining at weight 0), then force → FORCED and DRAINED', async () => {
    const rs = await rsRow(s.rs1.id);
    const started = await operator.drain.start(drainInput(s, rs.version, { deadlineSeconds: 10 }));
    sendStats(s.agentA, [{ address: '192.168.241.15', weight: 0, activeConn: 5 }]);
    sendStats(s.agentB, [{ address: '192.168.241.15', weight: 0, activeConn: 1 }]);
    await waitFor(() => jobRow(started.job.jobId), (j) => j.activeConn === 5);
    // The deadline moved to now instead of waiting 10 s: the running runner ends the job at its next tick.
    await database.prisma.drainJob.update({ where: { id: started.job.jobId }, data: { deadlineAt: new Date() } });
    sendStats(s.agentA, [{ address: '192.168.241.15', weight: 0, activeConn: 5 }]);
    sendStats(s.agentB, [{ address: '192.168.241.15', weight: 0, activeConn: 1 }]);
    expect(await waitFor(() => jobRow(started.job.jobId), (j) => j.state !== 'RUNNING', 3000)).toMatchObject({ state: 'TIMED_OUT', reason: 'deadline passed: ActiveConn still 5' });
    expect(await rsRow(s.rs1.id)).toMatchObject({ adminState: 'DRAINING' });

    await expect(viewer.drain.force({ jobId: started.job.jobId })).rejects.toSatisfy(trpcCode('FORBIDDEN'));
    const forced = await operator.drain.force({ jobId: started.job.jobId });
    expect(forced).toMatchObject({ state: 'FORCED', endedAt: expect.any(Date) });
    expect(await rsRow(s.rs1.id)).toMatchObject({ adminState: 'DRAINED' });
    await expect(operator.drain.force({ jobId: started.job.jobId })).rejects.toSatisfy(trpcCode('CONFLICT'));
    await operator.drain.restore({ realServerId: s.rs1.id });
    expect(await rsRow(s.rs1.id)).toMatchObject({ adminState: 'READY', weight: 3 });
  });

  it('asks for confirmation before taking out the last serving real server, naming the service', async () => {
    const only = await rsRow(s.only.id);
    const input = { ...drainInput(s, only.version), realServerId: s.only.id };
    const refused = await httpCall(database.prisma, { path: 'drain.start', method: 'POST', input, token: (await createTestUser(database.prisma, `op-${Date.now()}`, 'OPERATOR')).token });
    expect(refused.status).toBe(412);
    expect(refused.json.error).toMatchObject({ data: { code: 'PRECONDITION_FAILED', appCode: 'CONFIRMATION_REQUIRED' }, message: expect.stringContaining('TCP 192.168.241.12:80') });
    expect(await rsRow(s.only.id)).toMatchObject({ adminState: 'READY', version: only.version });
    await expect(operator.realServer.setMaintenance({ id: s.only.id, version: only.version, confirm: false })).rejects.toSatisfy(trpcCode('PRECONDITION_FAILED', /TCP 192\.168\.241\.12:80/));
    const confirmed = await operator.drain.start({ ...input, confirm: true });
    expect(confirmed.realServer.adminState).toBe('DRAINING');
    await operator.drain.restore({ realServerId: s.only.id });
  });

  it('puts a real server into maintenance (weight 0 pushed, audited) and restores it', async () => {
    const rs = await rsRow(s.rs2.id);
    const seen = s.agentB.frames.length;
    await expect(viewer.realServer.setMaintenance({ id: s.rs2.id, version: rs.version, confirm: false })).rejects.toSatisfy(trpcCode('FORBIDDEN'));
    expect(await operator.realServer.setMaintenance({ id: s.rs2.id, version: rs.version, confirm: false })).toMatchObject({ adminState: 'MAINT', weight: 1 });
    await waitWeight(s.agentB, '192.168.241.16', 0, seen);
    await expect(operator.realServer.setMaintenance({ id: s.rs2.id, version: rs.version, confirm: false })).rejects.toSatisfy(trpcCode('CONFLICT'));
    expect(await database.prisma.auditEvent.count({ where: { objectId: s.rs2.id, action: 'realServer.setMaintenance', actorName: 'oscar' } })).toBe(1);
    expect(await operator.drain.restore({ realServerId: s.rs2.id })).toMatchObject({ jobId: null, realServer: { adminState: 'READY', weight: 1 } });
  });

  it('refuses viewers and anonymous callers', async () => {
    const rs = await rsRow(s.rs1.id);
    await expect(viewer.drain.start(drainInput(s, rs.version))).rejects.toSatisfy(trpcCode('FORBIDDEN'));
    await expect(viewer.drain.restore({ realServerId: s.rs1.id })).rejects.toSatisfy(trpcCode('FORBIDDEN'));
    await expect(viewer.agent.adoptDrift({ nodeId: s.a.id })).rejects.toSatisfy(trpcCode('FORBIDDEN'));
    const anonymous = (await callerFor(database.prisma, null)).caller;
    await expect(anonymous.drain.list({ clusterId: s.cluster.id })).rejects.toSatisfy(trpcCode('UNAUTHORIZED'));
    await expect(anonymous.live.history({ clusterId: s.cluster.id, serviceId: s.web.id, range: '15m' })).rejects.toSatisfy(trpcCode('UNAUTHORIZED'));
    await expect(anonymous.kernel.tables({ clusterId: s.cluster.id })).rejects.toSatisfy(trpcCode('UNAUTHORIZED'));
    // A subscription answers 200 and sends the error as its first SSE event, which the client throws.
    const sse = await openSse(null, s.cluster.id);
    await waitFor(async () => sse.errors.length, (n) => n > 0);
    expect(sse.errors[0]).toMatch(/UNAUTHORIZED/);
    expect(sse.events).toEqual([]);
    await sse.close();
  });
});

/** Opens live.onCluster through the fetch adapter (what the Next route handler runs) and reads its SSE stream. */
async function openSse(token: string | null, clusterId: string) {
  const controller = new AbortController();
  const url = new URL('http://localhost:3000/api/trpc/live.onCluster');
  url.searchParams.set('input', JSON.stringify(superjson.serialize({ clusterId })));
  const req = new Request(url, { headers: { host: 'localhost:3000', accept: 'text/event-stream', ...(token ? { cookie: `${SESSION_COOKIE}=${token}` } : {}) }, signal: controller.signal });
  const response = await fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter, createContext: ({ req, resHeaders }) => createContext({ req, resHeaders, db: database.prisma }) });
  const events: Array<{ receivedAt: number; data: LiveClusterEvent }> = [];
  const errors: string[] = [];
  const done = (async () => {
    if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (event === 'serialized-error') errors.push(data);
          else if (!event && data) events.push({ receivedAt: Date.now(), data: superjson.deserialize(JSON.parse(data)) as LiveClusterEvent });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { status: response.status, events, errors, close: async () => (controller.abort(), await done) };
}

describe('live', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup();
  });

  it('streams the cluster view over SSE at ≈1 Hz, coalescing 20 stats frames in a second into ≤ 2 events', async () => {
    await ackLatest(s.agentA, s.a.id);
    await ackLatest(s.agentB, s.b.id);
    const sse = await openSse(viewerToken, s.cluster.id);
    expect(sse.status).toBe(200);
    await waitFor(async () => sse.events.length, (n) => n >= 1);
    const first = sse.events[0]!.data;
    expect(first.nodes.map((n) => [n.name, n.applyState])).toEqual([['director-a', 'applied'], ['director-b', 'applied']]);
    expect(first.services.map((x) => x.serviceKey)).toEqual([SVC, 'TCP 192.168.241.12:80']);
    expect(first.pairs[0]?.directors.map((d) => [d.name, d.priority])).toEqual([['director-a', 150], ['director-b', 100]]);

    // Quiet for a moment so the burst below starts between two regular ticks.
    await new Promise((r) => setTimeout(r, 1200));
    const burstStart = Date.now();
    const before = sse.events.length;
    for (let i = 0; i < 20; i++) {
      sendStats(s.agentA, [{ address: '192.168.241.15', weight: 3, activeConn: 7, connsPerSec: 3 }, { address: '192.168.241.16', weight: 1, activeConn: 2, connsPerSec: 1 }]);
      await new Promise((r) => setTimeout(r, 50));
    }
    const inBurst = sse.events.slice(before).filter((e) => e.receivedAt - burstStart <= 1000).length;
    console.log(`[figures] SSE events during a 1 s burst of 20 stats frames: ${inBurst}`);
    expect(inBurst).toBeLessThanOrEqual(2);

    const windowStart = Date.now();
    const startCount = sse.events.length;
    await new Promise((r) => setTimeout(r, 4000));
    const rate = (sse.events.length - startCount) / ((Date.now() - windowStart) / 1000);
    console.log(`[figures] SSE event rate while idle: ${rate.toFixed(2)} events/s`);
    expect(rate).toBeGreaterThanOrEqual(0.6);
    expect(rate).toBeLessThanOrEqual(1.3);

    const last = sse.events.at(-1)!.data;
    const web = last.services.find((x) => x.serviceKey === SVC)!;
    expect(web).toMatchObject({ countsAreEstimates: true });
    const rs1 = web.realServers.find((r) => r.realServerId === s.rs1.id)!;
    expect(rs1).toMatchObject({ activeConn: 7, configuredWeight: 3, adminState: 'READY', forwarding: 'DR', kernelWeights: { 'director-a': 3 }, configuredShare: 0.75 });
    expect(rs1.observedShare).toBeCloseTo(0.75, 5);

    // An urgent change (a drain) goes out at once, not at the next tick.
    const rs = await rsRow(s.rs2.id);
    const beforeDrain = sse.events.length;
    const drainAt = Date.now();
    await operator.drain.start({ realServerId: s.rs2.id, version: rs.version, expirePersistence: false, requireInactiveZero: false, activeThreshold: 0, deadlineSeconds: 300, confirm: false });
    const withDrain = await waitFor(async () => sse.events.slice(beforeDrain).find((e) => e.data.drains.some((d) => d.realServerId === s.rs2.id)), (e) => e !== undefined, 2000);
    console.log(`[figures] SSE event after drain.start: ${withDrain!.receivedAt - drainAt} ms`);
    expect(withDrain!.data.services[0]?.realServers.find((r) => r.realServerId === s.rs2.id)?.adminState).toBe('DRAINING');
    await operator.drain.restore({ realServerId: s.rs2.id });
    await sse.close();
    expect(sse.errors).toEqual([]);
  });

  it('returns 15m history points per real server after stats frames, with drain annotations', async () => {
    for (let i = 0; i < 3; i++) {
      sendStats(s.agentA, [{ address: '192.168.241.15', weight: 3, activeConn: 4 + i }, { address: '192.168.241.16', weight: 1, activeConn: 1 }]);
      sendStats(s.agentB, [{ address: '192.168.241.15', weight: 3, activeConn: 1 }, { address: '192.168.241.16', weight: 1, activeConn: 1 }]);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const history = await viewer.live.history({ clusterId: s.cluster.id, serviceId: s.web.id, range: '15m' });
    const rs1 = history.series.find((x) => x.realServerId === s.rs1.id)!;
    expect(rs1.label).toBe(`192.168.241.15:80 in ${SVC}`);
    expect(rs1.points.length).toBeGreaterThanOrEqual(3);
    expect(rs1.points.at(-1)).toMatchObject({ activeConn: 7, bytesPerSec: 200 });
    expect(history.annotations.map((a) => a.kind)).toEqual(expect.arrayContaining(['drain', 'restore']));
    const hour = await viewer.live.history({ clusterId: s.cluster.id, serviceId: s.web.id, range: '1h' });
    expect(hour.series).toHaveLength(2);
    await expect(viewer.live.history({ clusterId: s.cluster.id, serviceId: s.pair.id, range: '1h' })).rejects.toSatisfy(trpcCode('NOT_FOUND'));
  });

  it('returns the kernel table text of the last stats frame per director', async () => {
    sendStats(s.agentA, [{ address: '192.168.241.15', weight: 3, activeConn: 0 }], 'IP Virtual Server version 1.2.1\nTCP  192.168.241.11:80 wrr\n  -> 192.168.241.15:80 Route 3 0 0\n');
    const tables = await waitFor(() => viewer.kernel.tables({ clusterId: s.cluster.id }), (t) => t[0]?.text !== null);
    expect(tables).toEqual([
      { nodeId: s.a.id, name: 'director-a', text: expect.stringContaining('-> 192.168.241.15:80 Route 3'), capturedAt: expect.any(Number) },
      { nodeId: s.b.id, name: 'director-b', text: null, capturedAt: null },
    ]);
  });

  it('adopts a hand-set weight from the kernel (audited) and says what it refuses', async () => {
    s.agentA.send({
      v: PROTOCOL_VERSION,
      type: 'drift',
      generation: 1,
      detectedAt: Date.now(),
      items: [
        { kind: 'ipvs-destination', key: `${SVC} 192.168.241.16:80`, change: 'different', desired: '-g -w 1', actual: '-g -w 7' },
        { kind: 'ipvs-destination', key: `${SVC} 192.168.241.15:80`, change: 'missing', desired: '-g -w 3', actual: null },
      ],
    });
    await waitFor(() => database.prisma.nodeDrift.findUnique({ where: { nodeId: s.a.id }, select: { itemCount: true } }), (d) => d?.itemCount === 2);
    const seen = s.agentB.frames.length;
    const result = await operator.agent.adoptDrift({ nodeId: s.a.id });
    expect(result.adopted).toEqual([{ key: `${SVC} 192.168.241.16:80`, realServerId: s.rs2.id, summary: expect.stringContaining('1 → 7') }]);
    expect(result.refused).toEqual([{ key: `${SVC} 192.168.241.15:80`, reason: expect.stringMatching(/missing from the kernel/) }]);
    expect(await rsRow(s.rs2.id)).toMatchObject({ weight: 7 });
    await waitWeight(s.agentB, '192.168.241.16', 7, seen);
    expect(await database.prisma.auditEvent.count({ where: { action: 'realServer.adoptDrift', objectId: s.rs2.id, actorName: 'oscar' } })).toBe(1);
  });

  it('compiles conn_reuse_mode=3 when the cluster prevents port-reuse leaks, and a pair may opt out', async () => {
    const detail = await admin.cluster.get({ clusterId: s.cluster.id });
    const seen = s.agentA.frames.length;
    const updated = await admin.cluster.update({ id: s.cluster.id, version: detail.cluster.version, name: detail.cluster.name, description: '', preventPortReuseLeaks: true });
    expect(updated).toMatchObject({ preventPortReuseLeaks: true });
    const snapshot = await s.agentA.next('snapshot', { after: seen });
    expect(snapshot.node.role === 'DIRECTOR' && snapshot.node.sysctls).toEqual([{ key: 'net.ipv4.vs.conn_reuse_mode', value: 3 }]);
    const pair = (await admin.cluster.get({ clusterId: s.cluster.id })).haPairs[0]!;
    const seenB = s.agentB.frames.length;
    await admin.haPair.update({ ...pair, primaryNodeId: s.a.id, secondaryNodeId: s.b.id, id: pair.id, version: pair.version, preventPortReuseLeaks: false });
    const optedOut = await s.agentB.next('snapshot', { after: seenB });
    expect(optedOut.node.role === 'DIRECTOR' && optedOut.node.sysctls).toEqual([]);
  });
});
