import type { ReactNode } from 'react';

/** What a section shows when it has nothing yet, with the next step if the operator may take it. */
export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 rounded-md border border-dashed border-zinc-300 bg-zinc-50/60 px-6 py-8 text-center">
      <p className="font-medium text-zinc-700">{title}</p>
      {children ? <div className="max-w-md text-xs text-zinc-500">{children}</div> : null}
      {action ? <div className="mt-1">{action}</div> : null}
    </div>
  );
}
