import type { Db } from '../db';
import { Downsampler } from './downsample';
import { getLiveStatsStore, type LiveStatsStore } from './live-stats-store';
import type { LiveSample } from './ring-series';
import { pruneStatSamples, writeStatSamples } from './stat-history';
import type { StatsSettings } from './stats-settings';

/** One stats frame's rows after the gateway kept only this node's own keys. */
export type StatsBatch = {
  services: Array<LiveSample & { serviceKey: string }>;
  destinations: Array<LiveSample & { serviceKey: string; destinationKey: string; weight: number }>;
};

/** Feeds the live store and the downsampled history; writes and prunes on timers. */
export type StatsRecorder = {
  /** Records one frame's samples for a node, stamped with the server's receive time. */
  ingest(nodeId: string, batch: StatsBatch, receivedAtMs: number): void;
  /** Writes finished buckets now (all open ones too with `all`). */
  flush(options?: { all?: boolean }): Promise<number>;
  /** Deletes history older than the retention now. */
  prune(): Promise<number>;
  /** Stops the timers and writes every open bucket. */
  stop(): Promise<void>;
};

const pick = (s: LiveSample): LiveSample => ({
  activeConn: s.activeConn,
  inactConn: s.inactConn,
  connsPerSec: s.connsPerSec,
  packetsInPerSec: s.packetsInPerSec,
  packetsOutPerSec: s.packetsOutPerSec,
  bytesInPerSec: s.bytesInPerSec,
  bytesOutPerSec: s.bytesOutPerSec,
});

/** Creates the recorder; timers are unref'd so they never keep a process alive on their own. */
export function createStatsRecorder(options: { db: Db; settings: StatsSettings; store?: LiveStatsStore; log?: (message: string) => void; now?: () => number }): StatsRecorder {
  const store = options.store ?? getLiveStatsStore();
  const log = options.log ?? ((message: string) => console.error(`[stats] ${message}`));
  const now = options.now ?? Date.now;
  const downsampler = new Downsampler();
  let writing: Promise<unknown> = Promise.resolve();

  const flush = async (flushOptions: { all?: boolean } = {}): Promise<number> => {
    const rows = downsampler.drain(now(), flushOptions);
    // Serialised so a slow write and the next tick never race on the same buckets.
    const run = writing.then(() => writeStatSamples({ db: options.db, rows }));
    writing = run.catch(() => undefined);
    return run;
  };
  const prune = () => pruneStatSamples({ db: options.db, olderThan: new Date(now() - options.settings.retentionHours * 3_600_000) });

  const flushTimer = setInterval(() => flush().catch((error: unknown) => log(`writing stats history failed: ${(error as Error).message}`)), options.settings.flushIntervalMs);
  const pruneTimer = setInterval(() => prune().catch((error: unknown) => log(`pruning stats history failed: ${(error as Error).message}`)), options.settings.pruneIntervalMs);
  flushTimer.unref();
  pruneTimer.unref();

  return {
    ingest(nodeId, batch, receivedAtMs) {
      for (const s of batch.services) {
        const sample = pick(s);
        store.record(nodeId, s.serviceKey, null, receivedAtMs, sample);
        downsampler.add(nodeId, s.serviceKey, '', receivedAtMs, sample);
      }
      for (const d of batch.destinations) {
        const sample = pick(d);
        store.record(nodeId, d.serviceKey, d.destinationKey, receivedAtMs, sample, d.weight);
        downsampler.add(nodeId, d.serviceKey, d.destinationKey, receivedAtMs, sample);
      }
    },
    flush,
    prune,
    async stop() {
      clearInterval(flushTimer);
      clearInterval(pruneTimer);
      await flush({ all: true });
    },
  };
}
