'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { formatTimestamp } from '@/lib/format/relative-time';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';
import type { RouterOutputs } from '@/lib/trpc/types';
import { describeOutcome, formatStepDuration, OPERATION_VERB } from './describe-agent-operation';

type Operation = RouterOutputs['agentInstall']['get'];
type Step = Operation['steps'][number];

const POLL_MS = 500;

/**
 * An install, upgrade or removal as it runs on the server: its steps in order (polled every half
 * second until it ends), then the verdict. When it ends, the cluster page is refreshed so the node's
 * agent status and version are the server's.
 */
export function OperationProgress({ operationId, nodeName }: { operationId: string; nodeName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = useRefreshCluster();
  const query = useQuery(
    trpc.agentInstall.get.queryOptions(
      { id: operationId },
      { refetchInterval: (q) => (q.state.data === undefined || q.state.data.status === 'RUNNING' ? POLL_MS : false), refetchOnWindowFocus: false },
    ),
  );
  const operation = query.data;
  const status = operation?.status;
  const regionRef = useRef<HTMLDivElement>(null);

  // The form that had the focus is gone: continue from the progress, where the news will be.
  useEffect(() => {
    regionRef.current?.focus();
  }, []);

  useEffect(() => {
    if (status === undefined || status === 'RUNNING') return;
    void refresh();
    void queryClient.invalidateQueries(trpc.agentInstall.listForNode.pathFilter());
  }, [status, refresh, queryClient, trpc]);

  return (
    <div ref={regionRef} tabIndex={-1} role="group" aria-label={`Agent operation on ${nodeName}`} className="flex flex-col gap-3 outline-none" data-testid="agent-operation" data-status={status ?? 'LOADING'}>
      {operation ? (
        <>
          <p className="text-xs text-zinc-600">
            <span className="font-semibold text-zinc-900">{OPERATION_VERB[operation.kind]}</span> over SSH as{' '}
            <span className="font-mono">
              {operation.username}@{operation.host}:{operation.port}
            </span>
            , started by {operation.startedBy} at <time dateTime={operation.startedAt.toISOString()}>{formatTimestamp(operation.startedAt)}</time>
          </p>
          <ol className="divide-y divide-zinc-100 rounded-md border border-zinc-200" aria-label="Steps">
            {operation.steps.map((step) => (
              <StepRow key={step.id} step={step} />
            ))}
            {operation.status === 'RUNNING' && operation.steps.length === 0 ? (
              <li className="flex items-center gap-3 px-3 py-2 text-sm text-zinc-500">
                <StepIcon status="running" /> Starting…
              </li>
            ) : null}
          </ol>
          {operation.status === 'SUCCEEDED' ? (
            <div role="status" className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-950" data-testid="agent-operation-outcome" data-status="SUCCEEDED">
              <span aria-hidden className="mr-1.5 font-semibold text-emerald-700">✓</span>
              {describeOutcome(operation, nodeName)}
            </div>
          ) : operation.status === 'FAILED' ? (
            <div role="alert" className="flex flex-col gap-1 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-950" data-testid="agent-operation-outcome" data-status="FAILED">
              <p>
                <span aria-hidden className="mr-1.5 font-semibold text-red-700">✗</span>
                {describeOutcome(operation, nodeName)}
              </p>
              {operation.errorCode ? <p className="font-mono text-[11px] text-red-800/80">{operation.errorCode}</p> : null}
            </div>
          ) : (
            <p role="status" className="text-xs text-zinc-500">
              Running on the server: closing this dialog does not stop it, and the node’s row shows how it ended.
            </p>
          )}
        </>
      ) : query.isError ? (
        <p role="alert" className="text-sm text-red-700">
          {describeError(query.error).message}
        </p>
      ) : (
        <div className="h-24 animate-pulse rounded bg-zinc-100" aria-busy />
      )}
    </div>
  );
}

const STATUS_WORD: Record<Step['status'], string> = { running: 'running', ok: 'done', failed: 'failed', skipped: 'skipped' };

function StepRow({ step }: { step: Step }) {
  return (
    <li className="flex items-start gap-3 px-3 py-2" data-testid="agent-step" data-step-id={step.id} data-status={step.status}>
      <StepIcon status={step.status} />
      <div className="flex min-w-0 flex-1 flex-col gap-0.5">
        <p className={`text-sm ${step.status === 'skipped' ? 'text-zinc-400' : 'text-zinc-900'}`}>
          {step.label}
          <span className="sr-only">: {STATUS_WORD[step.status]}</span>
        </p>
        {step.detail ? (
          <p className={`font-mono text-[11px] break-words whitespace-pre-wrap ${step.status === 'failed' ? 'text-red-800' : 'text-zinc-500'}`} data-testid="agent-step-detail">
            {step.detail}
          </p>
        ) : null}
      </div>
      <span className="shrink-0 pt-0.5 font-mono text-[11px] text-zinc-500 tabular-nums" data-testid="agent-step-duration">
        {formatStepDuration(step.durationMs)}
      </span>
    </li>
  );
}

function StepIcon({ status }: { status: Step['status'] }) {
  switch (status) {
    case 'running':
      return <span aria-hidden className="mt-0.5 size-4 shrink-0 animate-spin rounded-full border-2 border-sky-600 border-t-transparent" data-testid="step-icon-running" />;
    case 'ok':
      return (
        <span aria-hidden className="mt-0.5 flex size-4 shrink-0 items-center justify-center rounded-full bg-emerald-600 text-[10px] leading-none font-bold text-white">
          ✓
        </span>
      );
    case 'failed':
      return (
        <span aria-hidden className="mt-0.5 flex size-4 shrink-0 items-center justify-center rounded-full bg-red-600 text-[10px] leading-none font-bold text-white">
          ✗
        </span>
      );
    case 'skipped':
      return (
        <span aria-hidden className="mt-0.5 flex size-4 shrink-0 items-center justify-center rounded-full bg-zinc-200 text-[10px] leading-none text-zinc-500">
          –
        </span>
      );
  }
}
