// The compiler at the size of a large estate (10,000 destinations, two directors): the snapshot is
// complete and correct, and — printed, not asserted, since CI machines vary — what each step costs.
import { describe, expect, it } from 'vitest';
import { useFreshDatabase } from '@fulcrum/db/testing/fresh-database';
import { encodeFrame } from '@fulcrum/protocol/codec';
import { PROTOCOL_VERSION } from '@fulcrum/protocol/frames';
import { NodeSnapshot } from '@fulcrum/protocol/snapshot';
import { compileValidatedSnapshot, loadClusterRows } from './compile-node-snapshot';
import { compileSnapshotFromRows } from './compile-snapshot-from-rows';
import { buildLargeCluster } from './large-cluster-fixture';

const database = useFreshDatabase();

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time<T>(samples: number[], work: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  samples.push(performance.now() - start);
  return result;
}

describe.each([
  { services: 200, perService: 50 },
  { services: 2, perService: 50 },
])('a cluster of $services services × $perService destinations', ({ services, perService }) => {
  it('compiles every destination with its effective weight, as the full schema parse would', { timeout: 180_000 }, async () => {
    const db = database.prisma;
    const estate = await buildLargeCluster(db, { services, perService });
    // What a push does after a commit, step by step, with one weight changed before each run.
    const [a, b] = estate.directorIds;
    const steps: Record<string, number[]> = { load: [], directorA: [], directorB: [], encodeA: [], encodeB: [], total: [], compileOnly: [], fullSchemaParse: [] };
    const target = estate.realServers[0]!;
    let bytes = 0;
    for (let run = 0; run < 9; run++) {
      await db.realServer.update({ where: { id: target.id }, data: { weight: 10 + run } });
      const start = performance.now();
      const rows = await time(steps.load!, () => loadClusterRows({ db, clusterId: estate.clusterId }));
      const forA = await time(steps.directorA!, () => compileValidatedSnapshot(rows, a));
      const forB = await time(steps.directorB!, () => compileValidatedSnapshot(rows, b));
      const text = await time(steps.encodeA!, () => encodeFrame({ v: PROTOCOL_VERSION, type: 'snapshot', generation: forA.generation, revertDrift: false, node: forA.node }));
      await time(steps.encodeB!, () => encodeFrame({ v: PROTOCOL_VERSION, type: 'snapshot', generation: forB.generation, revertDrift: false, node: forB.node }));
      steps.total!.push(performance.now() - start);
      bytes = Buffer.byteLength(text);
      // For reference, on rows of their own: the compile alone, and the whole-snapshot schema parse.
      const other = await loadClusterRows({ db, clusterId: estate.clusterId });
      const raw = await time(steps.compileOnly!, () => compileSnapshotFromRows(other, a));
      await time(steps.fullSchemaParse!, () => NodeSnapshot.parse(raw.node));
    }
    const summary = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Number(median(v.slice(2)).toFixed(1))]));
    console.log(`[snapshot timings] ${services * perService} destinations, frame ${bytes} bytes, median ms:`, JSON.stringify(summary));

    const rows = await loadClusterRows({ db, clusterId: estate.clusterId });
    for (const directorId of estate.directorIds) {
      const compiled = compileValidatedSnapshot(rows, directorId);
      // What the server sends equals what a full parse of the compiler's output gives (the previous path).
      expect(compiled.node).toEqual(NodeSnapshot.parse(compileSnapshotFromRows(rows, directorId).node));
      // And what the agent will accept: the frame survives the protocol schema unchanged.
      expect(NodeSnapshot.parse(JSON.parse(JSON.stringify(compiled.node)))).toEqual(compiled.node);
      if (compiled.node.role !== 'DIRECTOR') throw new Error('expected a director');
      const weights = new Map(compiled.node.ipvs.services.flatMap((s) => (s.protocol === 'FWMARK' ? [] : s.destinations.map((d) => [`${s.port} ${d.address}`, d.weight] as const))));
      expect(weights.size).toBe(services * perService);
      for (const rs of estate.realServers) expect(weights.get(`${rs.port} ${rs.address}`)).toBe(rs.adminState === 'READY' ? (rs.id === target.id ? 18 : rs.weight) : 0);
      expect(compiled.node.healthChecks).toHaveLength(Math.ceil(services / 20) * perService);
      expect(compiled.node.sysctls).toEqual([{ key: 'net.ipv4.vs.expire_quiescent_template', value: 1 }]);
      expect(compiled.generation).toBe((await db.cluster.findUniqueOrThrow({ where: { id: estate.clusterId } })).generation);
    }
  });
});
