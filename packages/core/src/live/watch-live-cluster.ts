// live.onCluster's domain half: one coalesced feed per cluster per process, poked by committed
// changes and by the gateway's live signals, read by each subscriber as newest-value-only.
import { onClusterChange } from '../clusters/cluster-changes';
import type { Db } from '../db';
import { AppError } from '../errors/app-error';
import type { LiveStatsStore } from '../stats/live-stats-store';
import { buildLiveClusterView } from './build-live-cluster-view';
import { DEFAULT_LIVE_TIMING, latestValues, LiveFeed, type LiveFeedTiming } from './live-feed';
import type { LiveClusterEvent } from './live-schemas';
import { onLiveSignal } from './live-signals';

type Feeds = { feeds: Map<string, LiveFeed<LiveClusterEvent>>; unhook: () => void };

// Subscriptions run in Next's route bundles while signals come from server.ts: the feeds live on
// globalThis so every copy of this module pokes and reads the same ones.
const key = Symbol.for('fulcrum.core.live-feeds');
type Holder = { [key]?: Feeds };

function feeds(): Feeds {
  const holder = globalThis as Holder;
  if (!holder[key]) {
    const map = new Map<string, LiveFeed<LiveClusterEvent>>();
    const poke = (clusterId: string) => map.get(clusterId)?.poke();
    const offChange = onClusterChange((change) => poke(change.clusterId));
    const offSignal = onLiveSignal((signal) => poke(signal.clusterId));
    holder[key] = { feeds: map, unhook: () => (offChange(), offSignal()) };
  }
  return holder[key];
}

/**
 * The cluster's live view as a stream: an event at once, then about once a second, and sooner
 * (≥ urgentGapMs apart) after commits, applies, VRRP transitions and drain changes. Ends when
 * `signal` aborts.
 */
export async function watchLiveCluster(options: { db: Db; clusterId: string; signal?: AbortSignal; store?: LiveStatsStore; timing?: LiveFeedTiming }): Promise<AsyncGenerator<LiveClusterEvent>> {
  const { db, clusterId } = options;
  if ((await db.cluster.count({ where: { id: clusterId } })) === 0) throw new AppError('NOT_FOUND', 'That cluster does not exist');
  const registry = feeds();
  // A caller with its own store or timing (tests) gets its own feed; production shares one per cluster.
  const shared = options.store === undefined && options.timing === undefined;
  const makeFeed = () => new LiveFeed(() => buildLiveClusterView({ db, clusterId, store: options.store }), options.timing ?? DEFAULT_LIVE_TIMING);
  const feed = shared ? (registry.feeds.get(clusterId) ?? makeFeed()) : makeFeed();
  if (shared) registry.feeds.set(clusterId, feed);
  const unhookOwn = shared ? () => {} : (() => {
    const offChange = onClusterChange((change) => change.clusterId === clusterId && feed.poke());
    const offSignal = onLiveSignal((signal) => signal.clusterId === clusterId && feed.poke());
    return () => (offChange(), offSignal());
  })();
  return latestValues<LiveClusterEvent>((push) => {
    const unsubscribe = feed.subscribe(push);
    return () => {
      unsubscribe();
      unhookOwn();
      if (shared && feed.size === 0 && registry.feeds.get(clusterId) === feed) registry.feeds.delete(clusterId);
    };
  }, options.signal);
}
