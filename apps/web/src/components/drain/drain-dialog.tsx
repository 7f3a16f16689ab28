'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { StartDrainInput } from '@fulcrum/core/drain/drain-schemas';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { FormErrors, TextField } from '@/components/ui/field';
import { useToast } from '@/components/ui/toast';
import { fieldErrorsFromZod, numberOrText, type FieldErrors } from '@/lib/forms/field-errors';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';
import { PortReuseNote } from './port-reuse-note';

type Props = {
  realServer: { id: string; version: number; weight: number; forwarding: string };
  endpoint: string;
  serviceKey: string;
  isPreventingPortReuse: boolean | null;
  onClose: () => void;
};

const FIELDS = ['deadlineSeconds', 'activeThreshold', 'requireInactiveZero', 'expirePersistence'];

/**
 * Starts a drain with defaults that suit most cases (5 min deadline, ActiveConn 0, InActConn not
 * required), so one click and Enter starts it. When it would leave the service with no ready,
 * healthy server, the server refuses with CONFIRMATION_REQUIRED: the dialog shows why and the
 * operator resends with confirm.
 */
export function DrainDialog({ realServer, endpoint, serviceKey, isPreventingPortReuse, onClose }: Props) {
  const trpc = useTRPC();
  const toast = useToast();
  const refresh = useRefreshCluster();
  const start = useMutation(trpc.drain.start.mutationOptions());
  const [deadline, setDeadline] = useState('300');
  const [threshold, setThreshold] = useState('0');
  const [requireInactiveZero, setRequireInactiveZero] = useState(false);
  const [expirePersistence, setExpirePersistence] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [confirmation, setConfirmation] = useState<string | null>(null);
  const isDr = realServer.forwarding !== 'NAT';

  async function send(confirm: boolean) {
    const parsed = StartDrainInput.safeParse({
      realServerId: realServer.id,
      version: realServer.version,
      deadlineSeconds: numberOrText(deadline),
      activeThreshold: numberOrText(threshold),
      requireInactiveZero,
      expirePersistence,
      confirm,
    });
    if (!parsed.success) {
      setErrors(place(fieldErrorsFromZod(parsed.error)));
      return;
    }
    setErrors({});
    try {
      await start.mutateAsync(parsed.data);
      await refresh();
      toast.success(`Draining ${endpoint}: weight 0 on every director`);
      onClose();
    } catch (error) {
      const described = describeError(error);
      if (described.code === 'CONFIRMATION_REQUIRED') setConfirmation(described.message);
      else if (described.fieldErrors) setErrors(place(described.fieldErrors));
      else {
        toast.error(described.message);
        if (described.code === 'CONFLICT' || described.code === 'NOT_FOUND') onClose();
      }
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void send(confirmation !== null);
  }

  return (
    <Dialog open onClose={onClose} title={`Drain ${endpoint}`} description={<span className="font-mono">{serviceKey}</span>} testId="drain-dialog">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
        <p className="text-xs text-zinc-600">
          Sets weight 0 on every director of the pair (configured weight <span className="font-mono">{realServer.weight}</span> is kept for Restore). Existing connections finish; the drain ends DRAINED when no director holds more active connections than the threshold, or TIMED_OUT at the deadline.
        </p>
        <FormErrors errors={errors._form} />
        <div className="grid grid-cols-2 gap-3">
          <TextField label="Deadline (seconds)" value={deadline} onChange={(v) => { setDeadline(v); setErrors(({ deadlineSeconds: _d, ...rest }) => rest); }} errors={errors.deadlineSeconds} mono inputMode="numeric" hint="10 s to 24 h" />
          <TextField label="Done at ActiveConn ≤" value={threshold} onChange={(v) => { setThreshold(v); setErrors(({ activeThreshold: _t, ...rest }) => rest); }} errors={errors.activeThreshold} mono inputMode="numeric" hint="On every director (the backup mirrors the master's connections through the sync daemon)" />
        </div>
        <label className="flex items-start gap-2 text-xs text-zinc-700">
          <input type="checkbox" checked={requireInactiveZero} onChange={(e) => setRequireInactiveZero(e.target.checked)} className="mt-0.5" data-testid="drain-require-inactive" />
          <span>
            Also wait for InActConn 0
            {isDr ? <span className="block text-[11px] text-zinc-500">In DR/TUN this is the director’s FIN_WAIT estimate: it lingers for the tcpfin timeout (≈ 2 min) after clients are gone.</span> : null}
          </span>
        </label>
        <label className="flex items-start gap-2 text-xs text-zinc-700">
          <input type="checkbox" checked={expirePersistence} onChange={(e) => setExpirePersistence(e.target.checked)} className="mt-0.5" data-testid="drain-expire-persistence" />
          <span>
            Expire persistence templates
            <span className="block text-[11px] text-zinc-500">Sticky clients are scheduled afresh instead of returning to this server until their template times out.</span>
          </span>
        </label>
        <PortReuseNote isPreventing={isPreventingPortReuse} />
        {confirmation ? (
          <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900" data-testid="drain-confirmation">
            {confirmation}
          </div>
        ) : null}
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant={confirmation ? 'danger' : 'primary'} disabled={start.isPending} data-autofocus>
            {start.isPending ? 'Starting…' : confirmation ? 'Drain anyway' : 'Start drain'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

function place(errors: FieldErrors): FieldErrors {
  const placed: FieldErrors = {};
  for (const [key, messages] of Object.entries(errors)) {
    const target = FIELDS.includes(key) ? key : '_form';
    placed[target] = [...(placed[target] ?? []), ...messages];
  }
  return placed;
}
