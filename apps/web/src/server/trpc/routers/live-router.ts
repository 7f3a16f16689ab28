import { buildLiveClusterView } from '@fulcrum/core/live/build-live-cluster-view';
import { LiveClusterEvent, LiveClusterInput, LiveHistory, LiveHistoryInput } from '@fulcrum/core/live/live-schemas';
import { getServiceHistory } from '@fulcrum/core/live/service-history';
import { watchLiveCluster } from '@fulcrum/core/live/watch-live-cluster';
import { asyncIterableOf } from '../async-iterable-output';
import { router, viewerProcedure } from '../init';

/** Live operations: the cluster view over SSE, one-shot view, per-service history. */
export const liveRouter = router({
  /** The cluster's live view over SSE: at once, then ≈1 Hz, sooner after applies, VRRP and drain changes. */
  onCluster: viewerProcedure
    .input(LiveClusterInput)
    .output(asyncIterableOf(LiveClusterEvent))
    .subscription(async function* ({ ctx, input, signal }) {
      yield* await watchLiveCluster({ db: ctx.db, clusterId: input.clusterId, signal });
    }),
  /** The same view once (for a first paint or a client without SSE). */
  snapshot: viewerProcedure.input(LiveClusterInput).output(LiveClusterEvent).query(({ ctx, input }) => buildLiveClusterView({ db: ctx.db, clusterId: input.clusterId })),
  /** Per real server of a service: counters over 15m (1 s points) or 1h/24h (minute points), with annotations. */
  history: viewerProcedure.input(LiveHistoryInput).output(LiveHistory).query(({ ctx, input }) => getServiceHistory({ db: ctx.db, ...input })),
});
