'use client';

import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { CreateVirtualServiceInput, SCHEDULER_FLAGS, UpdateVirtualServiceInput, type SchedulerFlag } from '@fulcrum/lvs/estate/virtual-service';
import { SCHEDULERS, SERVICE_PROTOCOLS } from '@fulcrum/lvs/model/primitives';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { FieldShell, FormErrors, SelectField, TextField } from '@/components/ui/field';
import { numberOrText, optionalNumber } from '@/lib/forms/field-errors';
import { useFormMutation } from '@/lib/forms/use-form-mutation';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { useTRPC } from '@/lib/trpc/client';
import type { ClusterHaPair, ClusterService } from '@/lib/trpc/types';
import { SCHEDULER_NAMES } from './describe-service';

const FIELDS = ['haPairId', 'name', 'protocol', 'address', 'port', 'fwmark', 'scheduler', 'schedulerFlags', 'persistenceTimeout', 'persistenceNetmask'] as const;
const ALL_FLAGS = Object.keys(SCHEDULER_FLAGS) as SchedulerFlag[];

/** Creates a virtual service on one of the cluster's HA pairs, or edits one at its version. */
export function ServiceFormDialog({ open, onClose, clusterId, haPairs, service }: { open: boolean; onClose: () => void; clusterId: string; haPairs: ClusterHaPair[]; service?: ClusterService }) {
  const trpc = useTRPC();
  const refresh = useRefreshCluster();
  const create = useMutation(trpc.service.create.mutationOptions());
  const update = useMutation(trpc.service.update.mutationOptions());
  const vipListId = useId();
  const [values, setValues] = useState({
    haPairId: service?.haPairId ?? haPairs[0]?.id ?? '',
    name: service?.name ?? '',
    protocol: service?.protocol ?? 'TCP',
    address: service?.address ?? haPairs[0]?.vips[0] ?? '',
    port: service?.port != null ? String(service.port) : '',
    fwmark: service?.fwmark != null ? String(service.fwmark) : '',
    scheduler: service?.scheduler ?? 'wrr',
    persistenceTimeout: String(service?.persistenceTimeout ?? 0),
    persistenceNetmask: service?.persistenceNetmask != null ? String(service.persistenceNetmask) : '',
  });
  const [flags, setFlags] = useState<SchedulerFlag[]>((service?.schedulerFlags as SchedulerFlag[] | undefined) ?? []);
  const isFwmark = values.protocol === 'FWMARK';
  const pair = haPairs.find((p) => p.id === values.haPairId);

  const onSuccess = () => {
    void refresh();
    onClose();
  };
  const createForm = useFormMutation({ schema: CreateVirtualServiceInput, fields: FIELDS, mutateAsync: (input) => create.mutateAsync(input), successMessage: 'Virtual service created', onSuccess });
  const updateForm = useFormMutation({ schema: UpdateVirtualServiceInput, fields: FIELDS, mutateAsync: (input) => update.mutateAsync(input), successMessage: 'Virtual service saved', onSuccess });
  const form = service ? updateForm : createForm;

  function toInput() {
    return {
      haPairId: values.haPairId,
      name: values.name.trim(),
      protocol: values.protocol,
      address: isFwmark || values.address.trim() === '' ? null : values.address.trim(),
      port: isFwmark ? null : optionalNumber(values.port),
      fwmark: isFwmark ? optionalNumber(values.fwmark) : null,
      scheduler: values.scheduler,
      // Only flags of the chosen scheduler: switching scheduler should not leave stale ones behind.
      schedulerFlags: flags.filter((f) => SCHEDULER_FLAGS[f] === values.scheduler),
      persistenceTimeout: values.persistenceTimeout.trim() === '' ? 0 : numberOrText(values.persistenceTimeout),
      persistenceNetmask: optionalNumber(values.persistenceNetmask),
    };
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const input = toInput();
    void (service ? updateForm.submit({ ...input, id: service.id, version: service.version }) : createForm.submit({ ...input, clusterId }));
  }
  const set = (key: keyof typeof values) => (value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    form.clearError(key);
  };
  const flagsForScheduler = ALL_FLAGS.filter((f) => SCHEDULER_FLAGS[f] === values.scheduler);

  return (
    <Dialog open={open} onClose={onClose} title={service ? `Edit ${service.serviceKey}` : 'New virtual service'} description="What ipvsadm -A sets up on both directors of the pair." size="lg" testId="service-dialog">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
        <FormErrors errors={form.fieldErrors._form} />
        <div className="grid grid-cols-[minmax(0,1fr)_minmax(0,1fr)] gap-3">
          <SelectField label="HA pair" value={values.haPairId} onChange={set('haPairId')} errors={form.fieldErrors.haPairId} options={haPairs.map((p) => ({ value: p.id, label: `${p.name} (VRID ${p.virtualRouterId})` }))} />
          <TextField label="Name (optional)" value={values.name} onChange={set('name')} errors={form.fieldErrors.name} placeholder="www" />
        </div>
        <div className="grid grid-cols-[8rem_minmax(0,1fr)_8rem] gap-3">
          <SelectField label="Protocol" value={values.protocol} onChange={set('protocol')} errors={form.fieldErrors.protocol} options={SERVICE_PROTOCOLS.map((p) => ({ value: p, label: p === 'FWMARK' ? 'FWMARK (-f)' : p }))} />
          {isFwmark ? (
            <TextField label="Firewall mark" value={values.fwmark} onChange={set('fwmark')} errors={form.fieldErrors.fwmark} mono inputMode="numeric" placeholder="7" className="col-span-2" />
          ) : (
            <>
              <TextField
                label="VIP address"
                value={values.address}
                onChange={set('address')}
                errors={form.fieldErrors.address}
                mono
                list={vipListId}
                placeholder="192.168.241.11"
                hint={pair && pair.vips.length > 0 ? `VIPs of ${pair.name}: ${pair.vips.join(', ')}` : undefined}
                autoFocus
              />
              <datalist id={vipListId}>
                {pair?.vips.map((v) => (
                  <option key={v} value={v} />
                ))}
              </datalist>
              <TextField label="Port" value={values.port} onChange={set('port')} errors={form.fieldErrors.port} mono inputMode="numeric" placeholder="80" />
            </>
          )}
        </div>
        <div className="grid grid-cols-[minmax(0,1fr)_9rem_9rem] gap-3">
          <SelectField label="Scheduler" value={values.scheduler} onChange={set('scheduler')} errors={form.fieldErrors.scheduler} options={SCHEDULERS.map((s) => ({ value: s, label: `${s} — ${SCHEDULER_NAMES[s]}` }))} />
          <TextField label="Persistence (s)" value={values.persistenceTimeout} onChange={set('persistenceTimeout')} errors={form.fieldErrors.persistenceTimeout} mono inputMode="numeric" hint="0 = off (-p)" />
          <TextField label="Persistence netmask" value={values.persistenceNetmask} onChange={set('persistenceNetmask')} errors={form.fieldErrors.persistenceNetmask} mono inputMode="numeric" placeholder="/32" hint="prefix length (-M)" />
        </div>
        {flagsForScheduler.length > 0 ? (
          <FieldShell label="Scheduler flags" errors={form.fieldErrors.schedulerFlags}>
            {({ describedBy }) => (
              <div className="flex gap-4" aria-describedby={describedBy} role="group" aria-label="Scheduler flags">
                {flagsForScheduler.map((flag) => (
                  <label key={flag} className="flex items-center gap-1.5 font-mono text-xs">
                    <input type="checkbox" checked={flags.includes(flag)} onChange={(e) => setFlags((list) => (e.target.checked ? [...list, flag] : list.filter((f) => f !== flag)))} />
                    {flag}
                  </label>
                ))}
              </div>
            )}
          </FieldShell>
        ) : null}
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={form.isPending}>
            {form.isPending ? 'Saving…' : service ? 'Save service' : 'Create service'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
