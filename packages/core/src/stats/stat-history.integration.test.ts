// Downsampled history in Postgres: the recorder writes minute rows, a rewrite of a stored bucket
// does not fail the batch, and pruning keeps only the retention window.
import { describe, expect, it } from 'vitest';
import { useFreshDatabase } from '@fulcrum/db/testing/fresh-database';
import { SYSTEM_ACTOR } from '../auth/actor';
import { createCluster } from '../clusters/cluster-mutations';
import { createNode } from '../nodes/node-mutations';
import { LiveStatsStore } from './live-stats-store';
import { listStatHistory, pruneStatSamples } from './stat-history';
import { createStatsRecorder } from './stats-recorder';

const database = useFreshDatabase();
const MINUTE = 60_000;

describe('stats history', () => {
  it('writes one row per minute and series, then prunes past the retention', async () => {
    const db = database.prisma;
    const cluster = await createCluster({ db, actor: SYSTEM_ACTOR, input: { name: 'stats', description: '' } });
    const node = await createNode({ db, actor: SYSTEM_ACTOR, input: { clusterId: cluster.id, name: 'director-a', role: 'DIRECTOR', managementAddress: '198.18.0.11' } });
    let now = Math.floor(Date.now() / MINUTE) * MINUTE - 50 * 3_600_000; // 50 h ago, on a minute
    const start = now;
    const recorder = createStatsRecorder({ db, settings: { retentionHours: 48, flushIntervalMs: 3_600_000, pruneIntervalMs: 3_600_000 }, store: new LiveStatsStore(), now: () => now });
    const sample = (activeConn: number) => ({ activeConn, inactConn: 1, connsPerSec: 2, packetsInPerSec: 3, packetsOutPerSec: 0, bytesInPerSec: 100, bytesOutPerSec: 0 });
    for (let s = 0; s < 120; s++) {
      recorder.ingest(node.id, { services: [{ serviceKey: 'TCP 192.0.2.1:80', ...sample(s) }], destinations: [{ serviceKey: 'TCP 192.0.2.1:80', destinationKey: '10.0.0.1:80', weight: 1, ...sample(s % 10) }] }, now);
      now += 1000;
    }
    expect(await recorder.flush()).toBe(4); // two finished minutes × (service + destination)
    const history = await listStatHistory({ db, nodeId: node.id, serviceKey: 'TCP 192.0.2.1:80', destinationKey: null, since: new Date(0) });
    expect(history.map((h) => [h.bucketStart.getTime() - start, h.samples, h.activeConnAvg, h.activeConnMax])).toEqual([
      [0, 60, 29.5, 59],
      [MINUTE, 60, 89.5, 119],
    ]);
    // A recent minute, then prune: only what is older than 48 h goes.
    now = Date.now();
    recorder.ingest(node.id, { services: [{ serviceKey: 'TCP 192.0.2.1:80', ...sample(1) }], destinations: [] }, now);
    await recorder.stop();
    expect(await recorder.prune()).toBe(4);
    expect(await db.statSample.count({ where: { nodeId: node.id } })).toBe(1);
    expect(await pruneStatSamples({ db, olderThan: new Date(0) })).toBe(0);
  });
});
