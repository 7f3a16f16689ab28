'use client';

import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { SetRealServerWeightInput } from '@fulcrum/lvs/estate/real-server';
import { useToast } from '@/components/ui/toast';
import { fieldErrorsFromZod } from '@/lib/forms/field-errors';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';

type Props = { realServer: { id: string; version: number; weight: number }; endpoint: string; isEditable: boolean };

/**
 * The weight of one real server, edited in place: click or Enter opens the box, Enter saves, Escape
 * cancels. While saving the box shows it; afterwards the cell shows what the server committed —
 * never a value the server has not stored.
 */
export function WeightCell({ realServer, endpoint, isEditable }: Props) {
  const trpc = useTRPC();
  const toast = useToast();
  const refresh = useRefreshCluster();
  const setWeight = useMutation(trpc.realServer.setWeight.mutationOptions());
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isSaving, setSaving] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const isEditing = draft !== null;

  useEffect(() => {
    if (isEditing) inputRef.current?.select();
  }, [isEditing]);

  if (!isEditable) {
    return (
      <span className="font-mono tabular-nums" data-testid="weight-value">
        {realServer.weight}
      </span>
    );
  }

  function stopEditing() {
    setDraft(null);
    setError(null);
    // Return focus to the cell so the keyboard user stays in the table.
    requestAnimationFrame(() => buttonRef.current?.focus());
  }

  async function save() {
    if (draft === null) return;
    const text = draft.trim();
    const weight = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    const parsed = SetRealServerWeightInput.safeParse({ id: realServer.id, version: realServer.version, weight: Number.isNaN(weight) ? text : weight });
    if (!parsed.success) {
      setError(fieldErrorsFromZod(parsed.error).weight?.[0] ?? 'Weight must be a whole number from 0 to 65535');
      return;
    }
    if (parsed.data.weight === realServer.weight) {
      stopEditing();
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await setWeight.mutateAsync(parsed.data);
      await refresh();
      toast.success(`Weight of ${endpoint} set to ${parsed.data.weight}`);
      stopEditing();
    } catch (e) {
      const described = describeError(e);
      const message = described.fieldErrors?.weight?.[0] ?? described.message;
      if (described.code === 'CONFLICT' || described.code === 'NOT_FOUND') {
        // Someone else changed it: show their value, and say so.
        toast.error(message);
        await refresh();
        stopEditing();
      } else {
        setError(message);
      }
    } finally {
      setSaving(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter') {
      event.preventDefault();
      void save();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      stopEditing();
    }
  }

  if (isEditing) {
    return (
      <div className="flex flex-col gap-0.5">
        <div className="flex items-center gap-1.5">
          <input
            ref={inputRef}
            value={draft}
            onChange={(e) => {
              setDraft(e.target.value);
              setError(null);
            }}
            onKeyDown={onKeyDown}
            onBlur={() => {
              if (!isSaving) stopEditing();
            }}
            disabled={isSaving}
            inputMode="numeric"
            aria-label={`Weight of ${endpoint}`}
            aria-invalid={error ? true : undefined}
            data-testid="weight-input"
            className={`h-7 w-20 rounded border bg-white px-1.5 font-mono text-sm tabular-nums focus:ring-1 focus:outline-none ${error ? 'border-red-500 focus:ring-red-500' : 'border-sky-600 focus:ring-sky-600'} disabled:bg-zinc-100 disabled:text-zinc-500`}
          />
          {isSaving ? (
            <span className="text-[11px] text-zinc-500" role="status" data-testid="weight-saving">
              saving…
            </span>
          ) : (
            <span className="text-[10px] text-zinc-400">↵ save · esc cancel</span>
          )}
        </div>
        {error ? (
          <p role="alert" className="text-[11px] text-red-700">
            {error}
          </p>
        ) : null}
      </div>
    );
  }

  return (
    <button
      ref={buttonRef}
      type="button"
      onClick={() => setDraft(String(realServer.weight))}
      aria-label={`Weight of ${endpoint}: ${realServer.weight}. Edit`}
      data-testid="weight-value"
      title="Click or press Enter to change the weight"
      className="group inline-flex h-7 min-w-12 items-center justify-between gap-2 rounded border border-transparent px-1.5 font-mono tabular-nums hover:border-zinc-300 hover:bg-white"
    >
      {realServer.weight}
      <span aria-hidden className="text-[10px] text-zinc-300 group-hover:text-zinc-500">
        ✎
      </span>
    </button>
  );
}
