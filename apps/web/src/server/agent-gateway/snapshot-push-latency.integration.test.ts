// A weight edit on a large cluster (10,000 destinations, two directors) over the real gateway and
// real WebSockets: both directors get a complete snapshot at the new generation. The time from the
// commit to each frame's arrival is printed, not asserted, since machines vary.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '@fulcrum/db/testing/fresh-database';
import { decodeServerFrame } from '@fulcrum/protocol/codec';
import { PROTOCOL_VERSION } from '@fulcrum/protocol/frames';
import { SYSTEM_ACTOR } from '@fulcrum/core/auth/actor';
import { buildLargeCluster, type LargeCluster } from '@fulcrum/core/desired-state/large-cluster-fixture';
import { issueNodeToken } from '@fulcrum/core/nodes/node-mutations';
import { setRealServerWeight } from '@fulcrum/core/real-servers/real-server-mutations';
import { createStatsRecorder, type StatsRecorder } from '@fulcrum/core/stats/stats-recorder';
import { createAgentGateway, type AgentGateway } from './agent-gateway';
import { listenGateway } from './test-agent';

const database = useFreshDatabase();
const actor = SYSTEM_ACTOR;

let gateway: AgentGateway;
let listening: Awaited<ReturnType<typeof listenGateway>>;
let stats: StatsRecorder;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  const db = database.prisma;
  stats = createStatsRecorder({ db, settings: { retentionHours: 48, flushIntervalMs: 3_600_000, pruneIntervalMs: 3_600_000 }, store: undefined });
  gateway = createAgentGateway({
    db,
    settings: { heartbeatIntervalMs: 60_000, statsIntervalMs: 1000, reconcileIntervalMs: 30_000, kernelTableIntervalMs: 10_000 },
    stats,
    log: () => undefined,
  });
  listening = await listenGateway(gateway);
});

afterAll(async () => {
  for (const ws of sockets) ws.close(1000);
  await gateway?.close();
  await stats?.stop();
  await listening?.close();
});

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/**
 * Connects both directors as bare sockets that only stamp and keep each raw frame: a decoding test
 * agent in this same process would hold the event loop while the other director's frame waits.
 */
async function connectDirectors(estate: LargeCluster) {
  // Tokens first: issuing one is a committed change, which would push to a director already connected.
  const tokens: string[] = [];
  for (const id of estate.directorIds) tokens.push((await issueNodeToken({ db: database.prisma, actor, input: { id } })).token);
  const connected: Array<{ ws: WebSocket; snapshots: Array<{ at: number; generation: number; text: string }> }> = [];
  for (const token of tokens) {
    const ws = new WebSocket(listening.url);
    sockets.push(ws);
    const snapshots: Array<{ at: number; generation: number; text: string }> = [];
    ws.on('message', (data) => {
      const at = performance.now();
      const text = (data as Buffer).toString('utf8');
      // The gateway writes {"v":…,"type":"snapshot","generation":N,…}: enough to stamp it without parsing 1 MB here.
      const head = /^\{"v":\d+,"type":"snapshot","generation":(\d+),/.exec(text.slice(0, 80));
      if (head) snapshots.push({ at, generation: Number(head[1]), text });
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', token, agentVersion: '0.1.0-test', hostname: 'test-host', capabilities: ['ipvs'], lastAppliedGeneration: null }));
    connected.push({ ws, snapshots });
  }
  await waitUntil(() => connected.every((d) => d.snapshots.length >= 1));
  return connected;
}

async function waitUntil(ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe.each([
  { services: 200, perService: 50 },
  { services: 2, perService: 50 },
])('a weight edit on $services services × $perService destinations', ({ services, perService }) => {
  it('reaches both directors as a complete snapshot at the new generation', { timeout: 180_000 }, async () => {
    const db = database.prisma;
    const estate = await buildLargeCluster(db, { services, perService });
    const directors = await connectDirectors(estate);
    const target = estate.realServers.find((rs) => rs.adminState === 'READY')!;
    let version = 1;
    const commits: number[] = [];
    const pushes: number[] = [];
    for (let i = 0; i < 7; i++) {
      const weight = 10 + i;
      const t0 = performance.now();
      const updated = await setRealServerWeight({ db, actor, input: { id: target.id, version, weight } });
      const committed = performance.now();
      version = updated.version;
      const generation = (await db.cluster.findUniqueOrThrow({ where: { id: estate.clusterId } })).generation;
      await waitUntil(() => directors.every((d) => d.snapshots.some((f) => f.generation === generation)));
      const arrived = directors.map((d) => d.snapshots.find((f) => f.generation === generation)!);
      commits.push(committed - t0);
      pushes.push(Math.max(...arrived.map((f) => f.at)) - committed);
      for (const { text } of arrived) {
        // What the agent does with it: the full protocol decode.
        const decoded = decodeServerFrame(text);
        if (!decoded.ok) throw new Error(decoded.message);
        const frame = decoded.frame;
        if (frame.type !== 'snapshot') throw new Error('expected a snapshot');
        expect(frame.generation).toBe(generation);
        if (frame.node.role !== 'DIRECTOR') throw new Error('expected a director');
        const destinations = frame.node.ipvs.services.flatMap((s) => s.destinations);
        expect(destinations).toHaveLength(services * perService);
        const service = frame.node.ipvs.services.find((s) => s.protocol !== 'FWMARK' && s.port === target.port)!;
        expect(service.destinations.find((d) => d.address === target.address)?.weight).toBe(weight);
      }
    }
    console.log(
      `[push latency] ${services * perService} destinations, median ms: commit ${median(commits.slice(2)).toFixed(1)}, commit → both frames arrived ${median(pushes.slice(2)).toFixed(1)}`,
    );
    for (const d of directors) d.ws.close(1000);
  });
});
