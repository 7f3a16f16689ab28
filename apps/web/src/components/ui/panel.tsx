import type { HTMLAttributes } from 'react';

/** The white, bordered surface everything on a page sits on. */
export function Panel({ className = '', ...rest }: HTMLAttributes<HTMLDivElement>) {
  return <div className={`rounded-lg border border-zinc-200 bg-white shadow-[0_1px_0_rgba(0,0,0,0.03)] ${className}`} {...rest} />;
}
