/** The four values a live graph can plot, per real server and summed per VIP. */
export type LiveMetric = 'activeConn' | 'inactConn' | 'connsPerSec' | 'bytesPerSec';

/** One real server's values at one instant. */
export type MetricPoint = Record<LiveMetric, number>;

/** One instant of one service: epoch seconds (uPlot's x unit) and the values of each real server sampled then. */
export type SeriesRow = { t: number; byServer: Record<string, MetricPoint> };

/** What `live.history` returns per real server (bytes already summed in+out by the server). */
export type HistorySeries = { realServerId: string; label: string; points: ReadonlyArray<{ t: Date | string | number } & MetricPoint> };

/** The part of a subscription frame's real server the graph needs. */
export type FrameRealServer = { realServerId: string; activeConn: number; inactConn: number; connsPerSec: number; bytesInPerSec: number; bytesOutPerSec: number };

/** uPlot's column-oriented data: x values first, then one array per series (null = gap). */
export type AlignedData = [number[], ...Array<Array<number | null>>];

/** Live window the subscription feeds, in seconds: the "last 15 min" range. */
export const LIVE_WINDOW_SECONDS = 15 * 60;

export function toEpochSeconds(t: Date | string | number): number {
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  return ms / 1000;
}

/**
 * Turns per-server history into time-ordered rows, one per distinct timestamp: the server
 * downsamples each real server on the same bucket boundaries, so servers share rows, and a server
 * missing from a bucket becomes a gap rather than a zero (it was not reporting).
 */
export function rowsFromHistory(series: ReadonlyArray<HistorySeries>): SeriesRow[] {
  const byTime = new Map<number, SeriesRow>();
  for (const s of series) {
    for (const p of s.points) {
      const t = toEpochSeconds(p.t);
      let row = byTime.get(t);
      if (!row) {
        row = { t, byServer: {} };
        byTime.set(t, row);
      }
      row.byServer[s.realServerId] = { activeConn: p.activeConn, inactConn: p.inactConn, connsPerSec: p.connsPerSec, bytesPerSec: p.bytesPerSec };
    }
  }
  return [...byTime.values()].sort((a, b) => a.t - b.t);
}

/** One subscription frame of one service as a row. */
export function rowFromFrame(at: Date | string | number, realServers: ReadonlyArray<FrameRealServer>): SeriesRow {
  const byServer: Record<string, MetricPoint> = {};
  for (const rs of realServers) {
    byServer[rs.realServerId] = { activeConn: rs.activeConn, inactConn: rs.inactConn, connsPerSec: rs.connsPerSec, bytesPerSec: rs.bytesInPerSec + rs.bytesOutPerSec };
  }
  return { t: toEpochSeconds(at), byServer };
}

/**
 * Appends a live row to the window and drops what fell out of it. A row at or before the newest
 * one is ignored: after a reconnect the subscription may repeat a frame the history already holds,
 * and uPlot needs strictly increasing x values. Returns a new array (React state), reusing rows.
 */
export function appendRow(rows: ReadonlyArray<SeriesRow>, row: SeriesRow, windowSeconds = LIVE_WINDOW_SECONDS): SeriesRow[] {
  const last = rows[rows.length - 1];
  if (last && row.t <= last.t) return rows as SeriesRow[];
  const cutoff = row.t - windowSeconds;
  let start = 0;
  while (start < rows.length && rows[start]!.t < cutoff) start++;
  return [...rows.slice(start), row];
}

/**
 * Column data for one metric: a series per real server in `serverIds` order, then (when asked) the
 * VIP total — the sum over the servers that reported in that row, a gap when none did.
 */
export function alignSeries(rows: ReadonlyArray<SeriesRow>, serverIds: ReadonlyArray<string>, metric: LiveMetric, withTotal: boolean): AlignedData {
  const xs = rows.map((r) => r.t);
  const columns: Array<Array<number | null>> = serverIds.map((id) => rows.map((r) => r.byServer[id]?.[metric] ?? null));
  if (withTotal) {
    columns.push(
      rows.map((r) => {
        let sum = 0;
        let seen = false;
        for (const id of serverIds) {
          const v = r.byServer[id]?.[metric];
          if (v === undefined) continue;
          sum += v;
          seen = true;
        }
        return seen ? sum : null;
      }),
    );
  }
  return [xs, ...columns];
}

/** The x range a graph should show: the live window ends now, a history range ends at its last point or now. */
export function visibleRange(rangeSeconds: number, nowSeconds: number): { min: number; max: number } {
  return { min: nowSeconds - rangeSeconds, max: nowSeconds };
}
