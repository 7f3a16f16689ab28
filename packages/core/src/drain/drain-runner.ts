// The drain runner: every second, each RUNNING job is judged on the live counters of its real server
// on every director of its pair; a verdict of DRAINED or TIMED_OUT is committed (job, admin state,
// audit) with the system as actor. Jobs live in Postgres, so a restarted server picks them up again;
// every transition is a conditional update, so two processes on one database never both commit one.
import { destinationKey } from '@fulcrum/lvs/model/ipvs';
import { SYSTEM_ACTOR } from '../auth/actor';
import { commitChange } from '../audit/commit-change';
import type { Db } from '../db';
import { kernelServiceKey } from '../desired-state/compile-snapshot-from-rows';
import { publishLiveSignal } from '../live/live-signals';
import { getLiveStatsStore, type LiveStatsStore } from '../stats/live-stats-store';
import { drainLabel } from './drain-jobs';
import { evaluateDrainJob, type DirectorReading } from './drain-rules';

/** A running runner. */
export type DrainRunner = {
  /** Evaluates every running job once now; resolves with the number of jobs that ended. */
  tick(): Promise<number>;
  /** Stops the timer and waits for a tick in progress. */
  stop(): Promise<void>;
};

/** A transition lost to a concurrent one (another process, an operator's force or restore): nothing to commit. */
class TransitionLost extends Error {}

/** Creates the runner and starts its timer (unref'd: it never keeps a process alive on its own). */
export function createDrainRunner(options: { db: Db; store?: LiveStatsStore; intervalMs?: number; log?: (message: string) => void; now?: () => Date }): DrainRunner {
  const { db } = options;
  const store = options.store ?? getLiveStatsStore();
  const log = options.log ?? ((message: string) => console.error(`[drain] ${message}`));
  const now = options.now ?? (() => new Date());
  let running: Promise<number> | null = null;

  const tickOnce = async (): Promise<number> => {
    const jobs = await db.drainJob.findMany({
      where: { state: 'RUNNING', restoredAt: null },
      select: {
        id: true,
        clusterId: true,
        realServerId: true,
        activeThreshold: true,
        requireInactiveZero: true,
        deadlineAt: true,
        activeConn: true,
        inactConn: true,
        reason: true,
        realServer: {
          select: {
            address: true,
            port: true,
            virtualService: {
              select: {
                serviceKey: true,
                protocol: true,
                address: true,
                port: true,
                fwmark: true,
                realServers: { select: { address: true }, take: 1, orderBy: [{ address: 'asc' }, { port: 'asc' }] },
                haPair: { select: { vips: true, primaryNode: { select: { id: true, name: true } }, secondaryNode: { select: { id: true, name: true } } } },
              },
            },
          },
        },
      },
    });
    let ended = 0;
    const at = now();
    for (const job of jobs) {
      const rs = job.realServer;
      const service = rs.virtualService;
      const pair = service.haPair;
      const directors = [pair.primaryNode, ...(pair.secondaryNode ? [pair.secondaryNode] : [])];
      const kernelKey = kernelServiceKey({ ...service, fwmark: service.fwmark === null ? null : Number(service.fwmark) }, pair);
      const readings: DirectorReading[] = [];
      for (const director of directors) {
        const latest = store.latest(director.id, kernelKey, destinationKey(rs));
        if (latest) readings.push({ director: director.name, activeConn: latest.activeConn, inactConn: latest.inactConn, sampledAt: new Date(latest.at), weight: latest.weight });
      }
      const progress = evaluateDrainJob({
        goal: { activeThreshold: job.activeThreshold, requireInactiveZero: job.requireInactiveZero, deadlineAt: job.deadlineAt },
        directors: directors.map((d) => d.name),
        readings,
        now: at,
      });
      const counters = { activeConn: Math.round(progress.activeConn), inactConn: Math.round(progress.inactConn), reason: progress.reason };
      if (progress.state === 'RUNNING') {
        if (counters.activeConn !== job.activeConn || counters.inactConn !== job.inactConn || counters.reason !== job.reason) {
          await db.drainJob.updateMany({ where: { id: job.id, state: 'RUNNING', restoredAt: null }, data: counters });
        }
        continue;
      }
      const label = drainLabel(rs, service.serviceKey);
      const drained = progress.state === 'DRAINED';
      try {
        await commitChange(db, { actor: SYSTEM_ACTOR, clusterId: job.clusterId }, async (tx) => {
          const moved = await tx.drainJob.updateMany({ where: { id: job.id, state: 'RUNNING', restoredAt: null }, data: { state: progress.state, endedAt: at, ...counters } });
          if (moved.count !== 1) throw new TransitionLost();
          // TIMED_OUT leaves the server DRAINING at weight 0: the operator decides (force, restore, wait).
          if (drained) await tx.realServer.updateMany({ where: { id: job.realServerId, adminState: 'DRAINING' }, data: { adminState: 'DRAINED', version: { increment: 1 } } });
          return {
            result: null,
            audit: {
              action: drained ? 'drain.drained' : 'drain.timedOut',
              objectType: 'RealServer',
              objectId: job.realServerId,
              summary: drained ? `${label} drained: ${progress.reason}` : `drain of ${label} timed out (${progress.reason}); it stays draining at weight 0`,
              before: { state: 'RUNNING' },
              after: { state: progress.state, jobId: job.id, ...counters, staleDirectors: progress.staleDirectors },
            },
          };
        });
        ended++;
        publishLiveSignal({ clusterId: job.clusterId, reason: 'drain' });
      } catch (error) {
        if (!(error instanceof TransitionLost)) throw error;
      }
    }
    return ended;
  };

  const tick = (): Promise<number> => {
    // One tick at a time: a slow database must not stack evaluations of the same jobs.
    running ??= tickOnce().finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => {
    if (running) return;
    tick().catch((error: unknown) => log(`evaluating drain jobs failed: ${(error as Error).message}`));
  }, options.intervalMs ?? 1000);
  timer.unref();
  return {
    tick,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

// One runner per process even if start-up code runs twice (dev reloads): kept on globalThis.
const key = Symbol.for('fulcrum.core.drain-runner');
type Holder = { [key]?: DrainRunner };

/** Starts the process-wide drain runner (or returns the one already running). */
export function startDrainRunner(options: { db: Db; intervalMs?: number; log?: (message: string) => void }): DrainRunner {
  const holder = globalThis as Holder;
  if (holder[key]) return holder[key];
  const runner = createDrainRunner(options);
  holder[key] = {
    tick: runner.tick,
    async stop() {
      if (holder[key]) delete holder[key];
      await runner.stop();
    },
  };
  return holder[key];
}
