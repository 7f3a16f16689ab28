'use client';

import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ANNOTATION_COLORS, isDrawnOnGraph, placeAnnotations, shortAnnotationLabel, type GraphAnnotation } from '@/lib/live/annotation-lanes';
import { formatAxisTime } from '@/lib/live/format-axis-time';
import type { AlignedData } from '@/lib/live/live-series';
import { TOTAL_COLOR } from './series-colors';

export type ChartSeries = { label: string; color: string; isTotal?: boolean };

type Props = {
  /** Column data: x (epoch seconds) then one column per entry of `series`. */
  data: AlignedData;
  series: ReadonlyArray<ChartSeries>;
  /** Visible x range in epoch seconds: the live window keeps scrolling even between frames. */
  range: { min: number; max: number };
  annotations: ReadonlyArray<GraphAnnotation>;
  formatValue: (value: number) => string;
  height?: number;
  /** Accessible description of what the graph shows (values are in the table next to it). */
  ariaLabel: string;
};

const AXIS = { stroke: '#71717a', grid: { stroke: '#e4e4e7', width: 1 }, ticks: { stroke: '#d4d4d8', width: 1, size: 4 }, font: '11px ui-sans-serif, system-ui, sans-serif' };
const LANE_HEIGHT = 14;

/**
 * A uPlot time-series graph. uPlot is created once per set of series (a new real server or metric
 * recreates it) and otherwise only gets new data, which keeps dozens of series at 1 Hz cheap. It is
 * loaded in the effect because it touches `window` at import time, and sized to its container.
 */
export function LiveChart({ data, series, range, annotations, formatValue, height = 220, ariaLabel }: Props) {
  const containerRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  // Read by uPlot's callbacks, so they see the latest props without recreating the plot.
  const latest = useRef({ data, range, annotations, formatValue });
  latest.current = { data, range, annotations, formatValue };
  const seriesKey = series.map((s) => `${s.label}|${s.color}|${s.isTotal ? 't' : ''}`).join(',');

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    let isCancelled = false;
    let observer: ResizeObserver | null = null;

    void import('uplot').then(({ default: UPlot }) => {
      if (isCancelled) return;
      const annotationPlugin: uPlot.Plugin = {
        hooks: {
          draw: [
            (u) => {
              const min = u.scales.x?.min;
              const max = u.scales.x?.max;
              if (min == null || max == null) return;
              const ctx = u.ctx;
              const dpr = window.devicePixelRatio || 1;
              const { top, height: plotHeight } = u.bbox;
              ctx.save();
              ctx.font = `${10 * dpr}px ui-sans-serif, system-ui, sans-serif`;
              ctx.textBaseline = 'top';
              // Placement in canvas pixels, with each label's measured width, so lanes never overlap.
              const widthOf = (a: { kind: GraphAnnotation['kind']; label: string }) => ctx.measureText(shortAnnotationLabel(a.kind, a.label)).width + 6 * dpr;
              const placed = placeAnnotations(latest.current.annotations.filter(isDrawnOnGraph), { min, max }, (t) => u.valToPos(t, 'x', true), {
                labelWidth: widthOf,
                rightEdgePx: u.bbox.left + u.bbox.width,
                gapPx: 4 * dpr,
              });
              // All lines first, then all labels: a later marker's line must not cross an earlier label.
              for (const a of placed) {
                const x = Math.round(u.valToPos(a.t, 'x', true));
                ctx.strokeStyle = ANNOTATION_COLORS[a.kind];
                ctx.lineWidth = 1 * dpr;
                ctx.setLineDash([4 * dpr, 3 * dpr]);
                ctx.beginPath();
                ctx.moveTo(x, top);
                ctx.lineTo(x, top + plotHeight);
                ctx.stroke();
              }
              ctx.setLineDash([]);
              for (const a of placed) {
                if (a.lane === null) continue;
                const x = Math.round(u.valToPos(a.t, 'x', true));
                const y = top + 2 * dpr + a.lane * LANE_HEIGHT * dpr;
                const width = widthOf(a);
                const left = a.isFlipped ? x - width : x + 1 * dpr;
                ctx.fillStyle = 'rgba(255,255,255,0.92)';
                ctx.fillRect(left, y - 1 * dpr, width, 12 * dpr);
                ctx.fillStyle = ANNOTATION_COLORS[a.kind];
                ctx.fillText(shortAnnotationLabel(a.kind, a.label), left + 3 * dpr, y);
              }
              ctx.restore();
            },
          ],
        },
      };

      const options: uPlot.Options = {
        width: Math.max(200, container.clientWidth),
        height,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 5 } },
        scales: {
          x: { time: true, range: () => [latest.current.range.min, latest.current.range.max] },
          // Counts start at 0: a graph that starts at 37 makes a small dip look like an outage.
          y: { range: (_u, _min, dataMax) => [0, dataMax > 0 ? dataMax * 1.1 : 1] },
        },
        axes: [
          { ...AXIS, values: (u, splits) => splits.map((v) => formatAxisTime(v, (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0))) },
          { ...AXIS, size: 64, values: (_u, splits) => splits.map((v) => latest.current.formatValue(v)) },
        ],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.isTotal ? TOTAL_COLOR : s.color,
            width: s.isTotal ? 2 : 1.5,
            dash: s.isTotal ? [6, 4] : undefined,
            spanGaps: false,
            points: { show: false },
          })),
        ],
        plugins: [annotationPlugin],
      };
      const plot = new UPlot(options, latest.current.data as uPlot.AlignedData, container);
      plotRef.current = plot;
      observer = new ResizeObserver(() => {
        const width = Math.max(200, container.clientWidth);
        if (width !== plot.width) plot.setSize({ width, height });
      });
      observer.observe(container);
    });

    return () => {
      isCancelled = true;
      observer?.disconnect();
      plotRef.current?.destroy();
      plotRef.current = null;
    };
  }, [seriesKey, height]);

  useEffect(() => {
    plotRef.current?.setData(data as uPlot.AlignedData, true);
  }, [data, range.min, range.max]);

  useEffect(() => {
    // New annotations without new data (a drain started between frames) still need a redraw.
    plotRef.current?.redraw(false, false);
  }, [annotations]);

  return <div ref={containerRef} role="img" aria-label={ariaLabel} className="w-full min-w-0" style={{ height }} data-testid="live-chart" />;
}
