import type { TrafficCounters } from '@fulcrum/lvs/parse/parse-ipvsadm-list';
import { parseIpvsadmList } from '@fulcrum/lvs/parse/parse-ipvsadm-list';
import { destinationKey } from '@fulcrum/lvs/model/ipvs';
import { parseProcIpVs, parseProcIpVsConn, type ProcService } from '@fulcrum/lvs/parse/parse-proc-ip-vs';
import type { StatsFrame } from '@fulcrum/protocol/frames';
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
  /** ipvsadm -Ln text for the UI. */
  kernelTableIntervalMs: number;
}

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
    this.schedule(intervals.statsIntervalMs);
  }

  /** Stops sampling. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
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

  /** Takes one sample and sends it (skipped when the previous one is still running). */
  async sampleOnce(now = Date.now()): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const started = performance.now();
    try {
      const services = parseProcIpVs(await this.ipvs.readProcTable());
      if (now - this.lastRateAt >= this.intervals.rateIntervalMs) {
        this.lastRateAt = now;
        await this.refreshRates(services, now);
      }
      let kernelTable: string | undefined;
      if (now - this.lastTableAt >= this.intervals.kernelTableIntervalMs) {
        this.lastTableAt = now;
        kernelTable = (await this.ipvs.readListing()).slice(0, 4 * 1024 * 1024);
      }
      const frame = buildStatsFrame({ sampledAt: now, services, rates: this.rates, templates: this.templates, ...(kernelTable !== undefined ? { kernelTable } : {}) });
      this.send(frame);
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
