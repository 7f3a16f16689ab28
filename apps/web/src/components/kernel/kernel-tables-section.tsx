'use client';

import { useQuery } from '@tanstack/react-query';
import { EmptyState } from '@/components/ui/empty-state';
import { Panel } from '@/components/ui/panel';
import { Section } from '@/components/ui/section';
import { useNow } from '@/lib/live/live-cluster-context';
import { formatReadAge } from '@/lib/live/format-live';
import { formatTimestamp } from '@/lib/format/relative-time';
import { useTRPC } from '@/lib/trpc/client';

/**
 * What each director's kernel actually holds, as `ipvsadm -Ln` printed it on the host: the ground
 * truth next to the model, with how old the reading is.
 */
export function KernelTablesSection({ clusterId }: { clusterId: string }) {
  const trpc = useTRPC();
  const tables = useQuery(trpc.kernel.tables.queryOptions({ clusterId }, { refetchInterval: 5_000 }));
  const now = useNow();
  const list = tables.data ?? [];

  return (
    <Section id="kernel" title="Kernel tables" count={list.length}>
      {tables.isLoading ? (
        <div className="h-32 animate-pulse rounded-lg bg-zinc-200/70" aria-busy />
      ) : tables.isError ? (
        <EmptyState title="Could not read the kernel tables">{tables.error.message}</EmptyState>
      ) : list.length === 0 ? (
        <EmptyState title="No directors">The IPVS tables of the directors appear here once their agents report.</EmptyState>
      ) : (
        <div className="grid gap-3 lg:grid-cols-2">
          {list.map((t) => (
            <Panel key={t.nodeId} className="flex min-w-0 flex-col" data-testid="kernel-table" data-node-name={t.name} role="region" aria-label={`Kernel IPVS table of ${t.name}`}>
              <div className="flex items-center justify-between gap-3 border-b border-zinc-200 px-4 py-2">
                <h3 className="font-semibold">{t.name}</h3>
                <span className="font-mono text-[11px] text-zinc-500" data-testid="kernel-table-age" title={t.capturedAt ? formatTimestamp(new Date(t.capturedAt)) : undefined}>
                  {t.capturedAt ? `ipvsadm -Ln · ${formatReadAge(new Date(t.capturedAt), now)}` : 'no reading yet'}
                </span>
              </div>
              {t.text ? (
                <pre className="max-h-80 overflow-auto bg-zinc-950 px-4 py-3 font-mono text-[11.5px] leading-snug text-zinc-100" data-testid="kernel-table-text" tabIndex={0}>
                  {t.text}
                </pre>
              ) : (
                <p className="px-4 py-4 text-xs text-zinc-500">The agent has not sent its table since the server started (it does every few seconds while connected).</p>
              )}
            </Panel>
          ))}
        </div>
      )}
    </Section>
  );
}
