import type { ReactNode } from 'react';

export type BadgeTone = 'green' | 'amber' | 'red' | 'blue' | 'gray' | 'violet';

const TONE: Record<BadgeTone, string> = {
  green: 'bg-emerald-50 text-emerald-800 ring-emerald-600/25',
  amber: 'bg-amber-50 text-amber-800 ring-amber-600/30',
  red: 'bg-red-50 text-red-800 ring-red-600/25',
  blue: 'bg-sky-50 text-sky-800 ring-sky-600/25',
  gray: 'bg-zinc-100 text-zinc-700 ring-zinc-500/25',
  violet: 'bg-violet-50 text-violet-800 ring-violet-600/25',
};

const DOT: Record<BadgeTone, string> = {
  green: 'bg-emerald-500',
  amber: 'bg-amber-500',
  red: 'bg-red-500',
  blue: 'bg-sky-500',
  gray: 'bg-zinc-400',
  violet: 'bg-violet-500',
};

/** A short status word; `dot` adds a coloured dot so state reads at a glance in dense tables. */
export function Badge({ tone, children, dot = false, title }: { tone: BadgeTone; children: ReactNode; dot?: boolean; title?: string }) {
  return (
    <span title={title} className={`inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-[11px] leading-none font-medium whitespace-nowrap ring-1 ring-inset ${TONE[tone]}`}>
      {dot ? <span aria-hidden className={`size-1.5 rounded-full ${DOT[tone]}`} /> : null}
      {children}
    </span>
  );
}
