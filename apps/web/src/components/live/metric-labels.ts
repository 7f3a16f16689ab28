import { formatBytesPerSecond, formatRate } from '@/lib/live/format-live';
import type { LiveMetric } from '@/lib/live/live-series';

/** What each metric is called on screen; DR/TUN counts are named as the director's estimate. */
export function metricLabel(metric: LiveMetric, countsAreEstimates: boolean): string {
  switch (metric) {
    case 'activeConn':
      return countsAreEstimates ? "ActiveConn (director's estimate)" : 'ActiveConn';
    case 'inactConn':
      return countsAreEstimates ? "InActConn (director's estimate: FIN_WAIT entries linger for the tcpfin timeout)" : 'InActConn';
    case 'connsPerSec':
      return 'New connections/s';
    case 'bytesPerSec':
      return 'Bytes/s (in + out)';
  }
}

/** Short names for the metric picker. */
export const METRIC_SHORT: Record<LiveMetric, string> = { activeConn: 'ActiveConn', inactConn: 'InActConn', connsPerSec: 'conns/s', bytesPerSec: 'bytes/s' };

export function metricFormatter(metric: LiveMetric): (value: number) => string {
  if (metric === 'bytesPerSec') return formatBytesPerSecond;
  if (metric === 'connsPerSec') return formatRate;
  // Connection counts are whole: a tick at 0.5 would print as a second "1" (or a meaningless half).
  return (v) => (Number.isInteger(v) ? String(v) : '');
}

export const METRICS: LiveMetric[] = ['activeConn', 'inactConn', 'connsPerSec', 'bytesPerSec'];
