import { LIVE_FIELDS, RingSeries, type LivePoint, type LiveSample } from './ring-series';

/** Length of the live window: 15 minutes at one sample per second. */
export const LIVE_WINDOW_SECONDS = 900;
/**
 * Most series (service or destination on one node) kept live in this process: ≈ 29 KB each, so the
 * window costs at most ≈ 120 MB whatever the agents send. Series past the limit are not kept live
 * (their history is still written) and the store says so once.
 */
export const MAX_LIVE_SERIES = 4096;
/** A latest value older than this is not counted in live sums (the agent stopped reporting). */
export const LIVE_STALE_MS = 10_000;

/** The latest sample of one series, with the kernel weight for destinations. */
export type LatestValue = LivePoint & { weight: number | null };

type NodeSeries = { series: Map<string, RingSeries>; latest: Map<string, LatestValue> };

const seriesKey = (serviceKey: string, destinationKey: string | null) => `${serviceKey}\u0000${destinationKey ?? ''}`;

/** Per-node live window and latest values of the IPVS counters, bounded in memory. */
export class LiveStatsStore {
  private readonly nodes = new Map<string, NodeSeries>();
  private seriesCount = 0;
  private warnedFull = false;

  constructor(
    private readonly windowSeconds = LIVE_WINDOW_SECONDS,
    private readonly maxSeries = MAX_LIVE_SERIES,
    private readonly onFull: (message: string) => void = (message) => console.warn(`[stats] ${message}`),
  ) {}

  /** Records one sample of a service (destinationKey null) or destination on a node. */
  record(nodeId: string, serviceKey: string, destinationKey: string | null, atMs: number, sample: LiveSample, weight: number | null = null): void {
    let node = this.nodes.get(nodeId);
    if (!node) {
      node = { series: new Map(), latest: new Map() };
      this.nodes.set(nodeId, node);
    }
    const key = seriesKey(serviceKey, destinationKey);
    let ring = node.series.get(key);
    if (!ring) {
      if (this.seriesCount >= this.maxSeries) {
        if (!this.warnedFull) this.onFull(`live window full (${this.maxSeries} series): further series get latest values and history only`);
        this.warnedFull = true;
      } else {
        ring = new RingSeries(this.windowSeconds);
        node.series.set(key, ring);
        this.seriesCount++;
      }
    }
    ring?.record(atMs, sample);
    const point = { at: Math.floor(atMs / 1000) * 1000 } as LatestValue;
    for (const field of LIVE_FIELDS) point[field] = sample[field];
    point.weight = weight;
    node.latest.set(key, point);
  }

  /** The latest sample of a series, or null. */
  latest(nodeId: string, serviceKey: string, destinationKey: string | null): LatestValue | null {
    return this.nodes.get(nodeId)?.latest.get(seriesKey(serviceKey, destinationKey)) ?? null;
  }

  /** The live window of a series since `sinceMs`, oldest first. */
  window(nodeId: string, serviceKey: string, destinationKey: string | null, sinceMs = 0): LivePoint[] {
    return this.nodes.get(nodeId)?.series.get(seriesKey(serviceKey, destinationKey))?.window(sinceMs) ?? [];
  }

  /** Drops everything of a node (deleted, or its services changed so much that the old keys mean nothing). */
  forgetNode(nodeId: string): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    this.seriesCount -= node.series.size;
    this.nodes.delete(nodeId);
    if (this.seriesCount < this.maxSeries) this.warnedFull = false;
  }

  /** Series kept live across all nodes. */
  get size(): number {
    return this.seriesCount;
  }
}

// Fed by the gateway in server.ts, read by tRPC in Next's route bundles: one store per process on globalThis.
const key = Symbol.for('fulcrum.core.live-stats');
type Holder = { [key]?: LiveStatsStore };

/** The process-wide live stats store. */
export function getLiveStatsStore(): LiveStatsStore {
  const holder = globalThis as Holder;
  holder[key] ??= new LiveStatsStore();
  return holder[key];
}
