import type { ShareRow } from '@/lib/live/split-shares';

/**
 * Observed share of new connections (last minute) over the configured weight share: two thin bars
 * on the same scale, so "the split tracks the weights" is visible at a glance, with the numbers.
 */
export function SplitBars({ row, color }: { row: ShareRow; color: string }) {
  const observed = row.observedPercent;
  return (
    <div className="flex items-center gap-2" title={`Observed ${observed === null ? '—' : `${observed} %`} of new connections in the last minute; configured ${row.configuredPercent} % by weight`}>
      <div className="flex w-16 shrink-0 flex-col gap-0.5" aria-hidden>
        <div className="h-1.5 rounded-sm bg-zinc-100">
          <div className="h-1.5 rounded-sm" style={{ width: `${observed ?? 0}%`, background: color }} />
        </div>
        <div className="h-1.5 rounded-sm bg-zinc-100">
          <div className="h-1.5 rounded-sm bg-zinc-400" style={{ width: `${row.configuredPercent}%` }} />
        </div>
      </div>
      <span className="font-mono text-xs whitespace-nowrap tabular-nums">
        <span data-testid="live-observed-share">{observed === null ? '—' : `${observed}%`}</span>
        <span className="text-zinc-400"> / </span>
        <span data-testid="live-configured-share" className="text-zinc-500">
          {row.configuredPercent}%
        </span>
      </span>
    </div>
  );
}
