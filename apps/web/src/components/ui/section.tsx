import type { ReactNode } from 'react';

/** A titled block of the cluster page; `actions` sits on the right of the heading. */
export function Section({ title, count, actions, children, id }: { title: string; count?: number; actions?: ReactNode; children: ReactNode; id?: string }) {
  const headingId = id ? `${id}-heading` : undefined;
  return (
    <section aria-labelledby={headingId} className="flex flex-col gap-3" data-testid={id}>
      <div className="flex items-center justify-between gap-3">
        <h2 id={headingId} className="flex items-baseline gap-2 text-[13px] font-semibold tracking-wide text-zinc-500 uppercase">
          {title}
          {count !== undefined ? <span className="font-mono text-xs font-normal text-zinc-400">{count}</span> : null}
        </h2>
        {actions ? <div className="flex gap-2">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}
