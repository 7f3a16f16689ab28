'use client';

import { useId } from 'react';

type Option<T extends string> = { value: T; label: string; title?: string };

/**
 * One choice among a few, as a row of buttons with native radio semantics: Tab reaches the group,
 * the arrow keys move the choice, and a label names the group for screen readers. Each radio is
 * invisible but covers its whole button, so a click anywhere on it lands on the radio itself.
 */
export function SegmentedControl<T extends string>({ label, value, onChange, options, testId }: { label: string; value: T; onChange: (value: T) => void; options: ReadonlyArray<Option<T>>; testId?: string }) {
  const name = useId();
  const labelId = `${name}-label`;
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <span id={labelId} className="text-xs font-medium text-zinc-700">
        {label}
      </span>
      <div role="radiogroup" aria-labelledby={labelId} className="inline-flex w-fit rounded-md border border-zinc-300 bg-white p-0.5 text-sm" data-testid={testId}>
        {options.map((o) => (
          <label
            key={o.value}
            title={o.title}
            className={`relative cursor-pointer rounded px-3 py-1 font-medium has-focus-visible:outline-2 has-focus-visible:outline-sky-600 ${value === o.value ? 'bg-zinc-900 text-white' : 'text-zinc-600 hover:bg-zinc-100'}`}
          >
            <input type="radio" name={name} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} className="absolute inset-0 cursor-pointer appearance-none rounded opacity-0" />
            {o.label}
          </label>
        ))}
      </div>
    </div>
  );
}
