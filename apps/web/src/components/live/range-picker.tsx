'use client';

import type { GraphRange } from './use-service-series';

const RANGES: Array<{ value: GraphRange; label: string; title: string }> = [
  { value: 'live', label: 'Live 15 min', title: 'Last 15 minutes, updated every second' },
  { value: '1h', label: '1 h', title: 'Last hour from stored history (1-minute points)' },
  { value: '24h', label: '24 h', title: 'Last 24 hours from stored history' },
];

/** A small segmented control; radio semantics so arrow keys move between ranges. */
export function RangePicker({ value, onChange, name }: { value: GraphRange; onChange: (range: GraphRange) => void; name: string }) {
  return (
    <div role="radiogroup" aria-label="Time range" className="inline-flex rounded-md border border-zinc-300 bg-white p-0.5 text-xs">
      {RANGES.map((r) => (
        <label key={r.value} title={r.title} className={`cursor-pointer rounded px-2 py-0.5 has-focus-visible:outline-2 has-focus-visible:outline-sky-600 ${value === r.value ? 'bg-zinc-900 text-white' : 'text-zinc-600 hover:bg-zinc-100'}`}>
          <input type="radio" name={name} value={r.value} checked={value === r.value} onChange={() => onChange(r.value)} className="sr-only" data-testid={`range-${r.value}`} />
          {r.label}
        </label>
      ))}
    </div>
  );
}
