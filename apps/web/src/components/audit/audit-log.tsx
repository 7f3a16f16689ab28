'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Fragment, useState } from 'react';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { Panel } from '@/components/ui/panel';
import { formatRelativeTime, formatTimestamp } from '@/lib/format/relative-time';
import { plural } from '@/lib/format/plural';
import { useTRPC } from '@/lib/trpc/client';
import { AuditDiff } from './audit-diff';

const PAGE_SIZE = 25;

/** The audit trail of one cluster, newest first: who changed what, when, and the before/after. */
export function AuditLog({ clusterId }: { clusterId: string }) {
  const trpc = useTRPC();
  const cluster = useQuery(trpc.cluster.get.queryOptions({ clusterId }));
  const events = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions({ clusterId, limit: PAGE_SIZE }, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
  );
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const items = events.data?.pages.flatMap((p) => p.items) ?? [];

  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <>
      <PageHeader
        eyebrow={
          <nav aria-label="Breadcrumb">
            <Link href="/" className="hover:text-zinc-800 hover:underline">
              Clusters
            </Link>{' '}
            /{' '}
            <Link href={`/clusters/${clusterId}`} className="hover:text-zinc-800 hover:underline">
              {cluster.data?.cluster.name ?? 'cluster'}
            </Link>{' '}
            /
          </nav>
        }
        title="Audit log"
        meta={<span>Every committed change, with who made it and the values before and after.</span>}
      />
      {events.isLoading ? (
        <div className="h-64 animate-pulse rounded-lg bg-zinc-200/70" aria-busy />
      ) : events.isError ? (
        <EmptyState title="Could not load the audit log">{events.error.message}</EmptyState>
      ) : items.length === 0 ? (
        <EmptyState title="No changes recorded yet">Changes to this cluster appear here as soon as they are committed.</EmptyState>
      ) : (
        <Panel className="overflow-x-auto">
          <table className="w-full text-left text-[13px]" aria-label="Audit entries">
            <thead className="border-b border-zinc-200 bg-zinc-50 text-[11px] tracking-wide text-zinc-500 uppercase">
              <tr>
                <th scope="col" className="w-40 px-4 py-1.5 font-medium">When</th>
                <th scope="col" className="w-32 px-3 py-1.5 font-medium">Who</th>
                <th scope="col" className="w-44 px-3 py-1.5 font-medium">Action</th>
                <th scope="col" className="px-3 py-1.5 font-medium">What</th>
                <th scope="col" className="w-28 px-4 py-1.5"><span className="sr-only">Details</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100">
              {items.map((event) => {
                const isOpen = expanded.has(event.id);
                const createdAt = new Date(event.createdAt);
                const hasValues = event.before != null || event.after != null;
                return (
                  <Fragment key={event.id}>
                    <tr data-testid="audit-row" data-action={event.action} className="align-top hover:bg-zinc-50/70">
                      <td className="px-4 py-1.5 text-xs whitespace-nowrap text-zinc-600">
                        <time dateTime={createdAt.toISOString()} title={formatTimestamp(createdAt)}>
                          {formatRelativeTime(createdAt)}
                        </time>
                      </td>
                      <td className="px-3 py-1.5 font-medium">{event.actorName}</td>
                      <td className="px-3 py-1.5">
                        <span className="font-mono text-xs text-zinc-700">{event.action}</span>
                      </td>
                      <td className="px-3 py-1.5">{event.summary || <span className="text-zinc-400">{event.objectType}</span>}</td>
                      <td className="px-4 py-1 text-right">
                        {hasValues ? (
                          <Button size="sm" variant="ghost" aria-expanded={isOpen} aria-controls={`audit-${event.id}`} onClick={() => toggle(event.id)} aria-label={`${isOpen ? 'Hide' : 'Show'} changes: ${event.summary || event.action}`}>
                            {isOpen ? 'Hide changes' : 'Show changes'}
                          </Button>
                        ) : null}
                      </td>
                    </tr>
                    {isOpen ? (
                      <tr id={`audit-${event.id}`} className="bg-zinc-50/50">
                        <td colSpan={5} className="px-4 pt-1 pb-3">
                          <AuditDiff before={event.before} after={event.after} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
          <div className="flex items-center justify-between border-t border-zinc-200 bg-zinc-50 px-4 py-2 text-xs text-zinc-500">
            <span>
              {plural(items.length, 'entry', 'entries')} shown
            </span>
            {events.hasNextPage ? (
              <Button size="sm" onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
                {events.isFetchingNextPage ? 'Loading…' : 'Load older entries'}
              </Button>
            ) : (
              <span>Start of the log</span>
            )}
          </div>
        </Panel>
      )}
    </>
  );
}
