'use client';

import { useId, useMemo, useState } from 'react';
import { useLiveCluster, useNow } from '@/lib/live/live-cluster-context';
import { alignSeries, type LiveMetric, type SeriesRow } from '@/lib/live/live-series';
import { ANNOTATION_COLORS, type GraphAnnotation } from '@/lib/live/annotation-lanes';
import { formatTimestamp } from '@/lib/format/relative-time';
import { LatestValuesTable } from './latest-values-table';
import { LiveChart, type ChartSeries } from './live-chart';
import { METRIC_SHORT, METRICS, metricFormatter, metricLabel } from './metric-labels';
import { RangePicker } from './range-picker';
import { seriesColor } from './series-colors';
import { RANGE_SECONDS, useServiceSeries, type GraphRange } from './use-service-series';

type Props = {
  clusterId: string;
  serviceId: string;
  serviceKey: string;
  /** The service's real servers in table order: fixes each one's colour across graph and table. */
  realServers: ReadonlyArray<{ id: string; address: string; port: number }>;
  /** "compact" (cluster page): one graph with a metric picker; "full" (service page): all four graphs. */
  variant: 'compact' | 'full';
};

/** One service's live graphs, the latest values and the observed vs configured split. */
export function ServiceLivePanel({ clusterId, serviceId, serviceKey, realServers, variant }: Props) {
  const { latest } = useLiveCluster();
  const [range, setRange] = useState<GraphRange>('live');
  const [metric, setMetric] = useState<LiveMetric>('activeConn');
  const metricName = useId();
  const rangeName = useId();
  const series = useServiceSeries(clusterId, serviceId, range);
  const liveService = latest?.services.find((s) => s.serviceId === serviceId) ?? null;
  const countsAreEstimates = liveService?.countsAreEstimates ?? false;
  // The live window scrolls with the frames' clock (the server's), history ranges with the browser's.
  const now = useNow(range === 'live' ? 1000 : 60_000);
  const end = range === 'live' && latest ? latest.at / 1000 : now.getTime() / 1000;
  const visible = { min: liveWindowStart(range, end, series.rows[0]?.t, series.annotations[0]?.at), max: end };

  const ids = useMemo(() => realServers.map((rs) => rs.id), [realServers]);
  const colorIndex = useMemo(() => new Map(ids.map((id, i) => [id, i])), [ids]);
  const colorOf = (id: string) => seriesColor(colorIndex.get(id) ?? ids.length);
  const chartSeries: ChartSeries[] = useMemo(
    () => [
      ...realServers.map((rs, i) => ({ label: series.labels.get(rs.id) ?? `${rs.address}:${rs.port}`, color: seriesColor(i) })),
      { label: 'VIP total', color: '', isTotal: true },
    ],
    [realServers, series.labels],
  );
  const shown = variant === 'full' ? METRICS : [metric];

  return (
    <div className="flex flex-col gap-2 border-t border-zinc-200 px-4 py-3" data-testid="service-live" data-service-id={serviceId}>
      <div className="flex flex-wrap items-center gap-2">
        <h4 className="text-[11px] font-medium tracking-wide text-zinc-500 uppercase">Live traffic</h4>
        {variant === 'compact' ? (
          <div role="radiogroup" aria-label="Metric" className="inline-flex rounded-md border border-zinc-300 bg-white p-0.5 text-xs">
            {METRICS.map((m) => (
              <label key={m} title={metricLabel(m, countsAreEstimates)} className={`cursor-pointer rounded px-2 py-0.5 has-focus-visible:outline-2 has-focus-visible:outline-sky-600 ${metric === m ? 'bg-sky-700 text-white' : 'text-zinc-600 hover:bg-zinc-100'}`}>
                <input type="radio" name={metricName} value={m} checked={metric === m} onChange={() => setMetric(m)} className="sr-only" data-testid={`metric-${m}`} />
                {METRIC_SHORT[m]}
              </label>
            ))}
          </div>
        ) : null}
        <div className="ml-auto">
          <RangePicker value={range} onChange={setRange} name={rangeName} />
        </div>
      </div>
      <div className={variant === 'full' ? 'flex flex-col gap-4' : 'grid gap-4 xl:grid-cols-[minmax(0,1fr)_minmax(0,35rem)]'}>
        <div className={variant === 'full' ? 'grid gap-4 lg:grid-cols-2' : 'min-w-0'}>
          {shown.map((m) => (
            <MetricGraph
              key={m}
              metric={m}
              rows={series.rows}
              ids={ids}
              chartSeries={chartSeries}
              range={visible}
              annotations={series.annotations}
              countsAreEstimates={countsAreEstimates}
              serviceKey={serviceKey}
              height={variant === 'full' ? 200 : 180}
              error={series.error?.message ?? null}
            />
          ))}
        </div>
        <div className="min-w-0 overflow-x-auto">
          <LatestValuesTable service={liveService} colorOf={colorOf} serviceKey={serviceKey} />
        </div>
      </div>
      <AnnotationList annotations={series.annotations} range={visible} />
    </div>
  );
}

/**
 * Where the graph starts. History ranges show their whole span. The live window shows 15 min once
 * it has them; before that (agents just connected) it starts shortly before the first sample or
 * marker, so a fresh system's first minute is not squeezed into the right edge of an empty graph.
 */
function liveWindowStart(range: GraphRange, end: number, firstSample: number | undefined, firstAnnotationMs: number | undefined): number {
  const full = end - RANGE_SECONDS[range];
  if (range !== 'live' || firstSample === undefined) return full;
  const earliest = Math.min(firstSample, firstAnnotationMs !== undefined ? firstAnnotationMs / 1000 : Infinity);
  return Math.max(full, Math.min(earliest - 30, end - 120));
}

type MetricGraphProps = {
  metric: LiveMetric;
  rows: SeriesRow[];
  ids: string[];
  chartSeries: ChartSeries[];
  range: { min: number; max: number };
  annotations: GraphAnnotation[];
  countsAreEstimates: boolean;
  serviceKey: string;
  height: number;
  error: string | null;
};

/** One metric's graph; its column data is rebuilt only when rows change, not on every clock tick. */
function MetricGraph({ metric, rows, ids, chartSeries, range, annotations, countsAreEstimates, serviceKey, height, error }: MetricGraphProps) {
  const data = useMemo(() => alignSeries(rows, ids, metric, true), [rows, ids, metric]);
  const label = metricLabel(metric, countsAreEstimates);
  return (
    <figure className="flex min-w-0 flex-col gap-1" data-testid="graph" data-metric={metric}>
      <figcaption className="text-xs font-medium text-zinc-700" data-testid="graph-title">
        {label}
      </figcaption>
      {error ? (
        <p className="text-xs text-red-700">Could not load the history: {error}</p>
      ) : (
        <LiveChart
          data={data}
          series={chartSeries}
          range={range}
          annotations={annotations}
          formatValue={metricFormatter(metric)}
          height={height}
          ariaLabel={`${label} of ${serviceKey} per real server and VIP total; the latest values are in the table`}
        />
      )}
    </figure>
  );
}

/** The graph's markers as text: what happened when, readable without the canvas. */
function AnnotationList({ annotations, range }: { annotations: ReadonlyArray<{ at: number; kind: keyof typeof ANNOTATION_COLORS; label: string }>; range: { min: number; max: number } }) {
  // Newest first, a handful: the graph shows where; this says what and who.
  const visible = annotations.filter((a) => a.at / 1000 >= range.min && a.at / 1000 <= range.max).slice(-6).reverse();
  if (visible.length === 0) return null;
  return (
    <ul className="flex flex-col gap-0.5 text-[11px] text-zinc-600" aria-label="Marked on the graph, newest first">
      {visible.map((a) => (
        <li key={`${a.at}-${a.kind}-${a.label}`} data-testid="graph-annotation" data-kind={a.kind} className="flex min-w-0 items-center gap-1.5">
          <span aria-hidden className="inline-block h-3 w-0 shrink-0 border-l-2 border-dashed" style={{ borderColor: ANNOTATION_COLORS[a.kind] }} />
          <time dateTime={new Date(a.at).toISOString()} className="shrink-0 font-mono text-zinc-400">
            {formatTimestamp(new Date(a.at)).slice(11)}
          </time>
          <span className="truncate" title={a.label}>
          {a.label}
          </span>
        </li>
      ))}
    </ul>
  );
}
