import type { TrafficCounters } from '@fulcrum/lvs/parse/parse-ipvsadm-list';
import { parseIpvsadmList } from '@fulcrum/lvs/parse/parse-ipvsadm-list';
import { destinationKey } from '@fulcrum/lvs/model/ipvs';
import { parseProcIpVs, parseProcIpVsConn, type ProcService } from '@fulcrum/lvs/parse/parse-proc-ip-vs';
import type { StatsFrame, SyncDaemon } from '@fulcrum/protocol/frames';
import type { IpvsHost } from '../host/host';
import type { Logger } from '../log/logger';
import { buildStatsFrame, countPersistenceTemplates } from './build-stats-frame';
import { computeRates, type CounterSample, type Rates } from './compute-rates';

/** Intervals of the three reads, each at its own pace. */
export interface StatsIntervals {
  /** /proc/net/ip_vs (live ActiveConn/InActConn/weights; in-process read). */
  statsIntervalMs: number;
  /** ipvsadm -Ln --stats --exact (a fork; per-destination counters → rates) and /proc/net/ip_vs_conn. */
  rateIntervalMs: number;
  /** ipvsadm -Ln text for the UI, and the sync daemons (ipvsadm -L --daemon). */
  kernelTableIntervalMs: number;
}

/**
 * When the sync daemons are read again after a VRRP change. keepalived starts/stops the kernel's sync
 * daemon as part of the transition it writes to the notify FIFO, so the first read may still see the old
 * role: later reads catch it, and only a read that differs from what was last sent costs a stats frame.
 */
export const SYNC_DAEMON_FOLLOW_UP_MS = [100, 500, 1500] as const;

/**
 * Samples IPVS for stats frames. The per-second read is /proc/net/ip_vs from inside the process (no
 * fork: 14–41 ms at 10,000 destinations in the lab); rates need the netlink counters of `ipvsadm -Ln
 * --stats` (≈ 590 ms at 10,000) and are refreshed every rateIntervalMs; between refreshes the last
 * rates are reported. Persistence templates are counted from /proc/net/ip_vs_conn at the same pace, only
 * while some service is persistent.
 */
export class StatsSampler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** Delay before the next sample: statsIntervalMs, stretched when sampling would use more than a tenth of a CPU. */
  nextDelayMs = 0;
  private lastCounters: CounterSample | null = null;
  private rates = new Map<string, Rates>();
  private templates = new Map<string, number>();
  private lastRateAt = 0;
  private lastTableAt = 0;
  private busy = false;
  private warned = false;
  private lastCostLogAt = 0;
  /** A sync daemon read asked for (VRRP change) while a sample was running: the next one does it. */
  private syncReadRequested = false;
  /** The sync daemons last sent (undefined: never sent), to skip follow-up frames that say nothing new. */
  private lastSentSyncDaemons: string | undefined;
  private syncReadFailed = false;
  private followUps: NodeJS.Timeout[] = [];
  /** Wall time of the last sample. */
  lastSampleMs = 0;
  /** CPU time (user + system) of the last sample. */
  lastSampleCpuMs = 0;

  constructor(
    private readonly ipvs: IpvsHost,
    private intervals: StatsIntervals,
    private readonly send: (frame: StatsFrame) => void,
    private readonly log: Logger,
  ) {}

  /** Starts (or restarts with new intervals). */
  start(intervals: StatsIntervals = this.intervals): void {
    this.intervals = intervals;
    this.stop();
    this.running = true;
    // after a (re)connect the server learns the sync daemons with the first sample, not a table interval later
    this.syncReadRequested = true;
    this.schedule(intervals.statsIntervalMs);
  }

  /** Stops sampling. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const t of this.followUps) clearTimeout(t);
    this.followUps = [];
  }

  /**
   * A VRRP instance changed state: re-read the sync daemons shortly after (SYNC_DAEMON_FOLLOW_UP_MS) and
   * send a stats frame as soon as they differ from what was last sent, instead of waiting up to
   * kernelTableIntervalMs for the next regular read.
   */
  followVrrpChange(): void {
    if (!this.running) return;
    for (const t of this.followUps) clearTimeout(t);
    this.followUps = SYNC_DAEMON_FOLLOW_UP_MS.map((ms) => setTimeout(() => void this.sampleOnce(Date.now(), { onlyIfSyncDaemonsChanged: true }), ms));
  }

  // The CPU the process uses while sampling (parse /proc/net/ip_vs, build and encode the frame: ≈ 60–120 ms at 10,000
  // destinations natively, more in the lab) must stay a small share of a core: the next sample waits at
  // least ten times what this one cost, so a huge table is sampled less often instead of eating the CPU.
  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.nextDelayMs = delayMs;
    this.timer = setTimeout(() => {
      const before = process.cpuUsage();
      void this.sampleOnce().finally(() => {
        const used = process.cpuUsage(before);
        this.lastSampleCpuMs = (used.user + used.system) / 1000;
        this.schedule(Math.max(this.intervals.statsIntervalMs, Math.min(60_000, Math.round(this.lastSampleCpuMs * 10))));
      });
    }, delayMs);
  }

  /**
   * Takes one sample and sends it (skipped when the previous one is still running). With
   * `onlyIfSyncDaemonsChanged` (a VRRP follow-up) it reads the sync daemons first and sends nothing when
   * they are what was last sent.
   */
  async sampleOnce(now = Date.now(), options: { onlyIfSyncDaemonsChanged?: boolean } = {}): Promise<void> {
    if (this.busy) {
      if (options.onlyIfSyncDaemonsChanged) this.syncReadRequested = true;
      return;
    }
    this.busy = true;
    const started = performance.now();
    try {
      const tableDue = now - this.lastTableAt >= this.intervals.kernelTableIntervalMs;
      let syncDaemons: SyncDaemon[] | null | undefined;
      if (tableDue || this.syncReadRequested || options.onlyIfSyncDaemonsChanged) {
        this.syncReadRequested = false;
        syncDaemons = await this.readSyncDaemons();
        if (options.onlyIfSyncDaemonsChanged && !tableDue && JSON.stringify(syncDaemons) === this.lastSentSyncDaemons) return;
      }
      const services = parseProcIpVs(await this.ipvs.readProcTable());
      if (now - this.lastRateAt >= this.intervals.rateIntervalMs) {
        this.lastRateAt = now;
        await this.refreshRates(services, now);
      }
      let kernelTable: string | undefined;
      if (tableDue) {
        this.lastTableAt = now;
        kernelTable = (await this.ipvs.readListing()).slice(0, 4 * 1024 * 1024);
      }
      const frame = buildStatsFrame({ sampledAt: now, services, rates: this.rates, templates: this.templates, ...(kernelTable !== undefined ? { kernelTable } : {}), ...(syncDaemons !== undefined ? { syncDaemons } : {}) });
      this.send(frame);
      if (syncDaemons !== undefined) this.lastSentSyncDaemons = JSON.stringify(syncDaemons);
      this.warned = false;
      // what a sample costs, at most every 10 s: the README's figures come from these lines
      if (now - this.lastCostLogAt >= 10_000) {
        this.lastCostLogAt = now;
        this.log.info('stats-sampled', { durationMs: Math.round(performance.now() - started), previousCpuMs: Math.round(this.lastSampleCpuMs), intervalMs: this.nextDelayMs, services: frame.services.length, destinations: frame.destinations.length, withRates: this.lastRateAt === now });
      }
    } catch (e) {
      if (!this.warned) this.log.warn('stats-sample-failed', { message: (e as Error).message });
      this.warned = true;
    } finally {
      this.lastSampleMs = performance.now() - started;
      this.busy = false;
      // a VRRP follow-up arrived while this sample ran (after its own read): do it now
      if (this.syncReadRequested && this.running) void this.sampleOnce(Date.now(), { onlyIfSyncDaemonsChanged: true });
    }
  }

  /** The kernel's sync daemons, or null when they cannot be read (reported as unknown; never fails the sample). */
  private async readSyncDaemons(): Promise<SyncDaemon[] | null> {
    try {
      const daemons = await this.ipvs.readSyncDaemons();
      if (this.syncReadFailed) this.log.info('sync-daemon-read-recovered', {});
      this.syncReadFailed = false;
      return daemons.slice(0, 2);
    } catch (e) {
      if (!this.syncReadFailed) this.log.warn('sync-daemon-read-failed', { message: (e as Error).message });
      this.syncReadFailed = true;
      return null;
    }
  }

  private async refreshRates(services: readonly ProcService[], now: number): Promise<void> {
    const listing = parseIpvsadmList(await this.ipvs.readStatsListing());
    const counters = new Map<string, TrafficCounters>();
    for (const s of listing.services) {
      if (s.counters) counters.set(s.key, s.counters);
      for (const d of s.destinations) if (d.counters) counters.set(`${s.key} ${destinationKey(d)}`, d.counters);
    }
    const sample = { at: now, counters };
    this.rates = computeRates(this.lastCounters, sample);
    this.lastCounters = sample;
    this.templates = services.some((s) => s.persistence !== null) ? countPersistenceTemplates(parseProcIpVsConn(await this.ipvs.readConnections()), services) : new Map();
  }
}
