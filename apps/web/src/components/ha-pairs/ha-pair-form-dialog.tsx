'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CreateHaPairInput, UpdateHaPairInput } from '@fulcrum/lvs/estate/ha-pair';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { FormErrors, SelectField, TextAreaField, TextField } from '@/components/ui/field';
import { numberOrText, optionalText, splitList } from '@/lib/forms/field-errors';
import { useFormMutation } from '@/lib/forms/use-form-mutation';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { useTRPC } from '@/lib/trpc/client';
import type { ClusterHaPair, ClusterNode } from '@/lib/trpc/types';

const FIELDS = ['name', 'interface', 'virtualRouterId', 'advertInterval', 'authSecret', 'primaryNodeId', 'primaryPriority', 'secondaryNodeId', 'secondaryPriority', 'primaryUnicastIp', 'secondaryUnicastIp', 'vips'] as const;

/** keep = leave the stored secret alone (the browser never sees it); set = replace; none = remove. */
type SecretChoice = 'keep' | 'set' | 'none';

/** Pairs two directors in one keepalived vrrp_instance carrying VIPs, or edits a pair at its version. */
export function HaPairFormDialog({ open, onClose, clusterId, nodes, pair }: { open: boolean; onClose: () => void; clusterId: string; nodes: ClusterNode[]; pair?: ClusterHaPair }) {
  const trpc = useTRPC();
  const refresh = useRefreshCluster();
  const create = useMutation(trpc.haPair.create.mutationOptions());
  const update = useMutation(trpc.haPair.update.mutationOptions());
  const directors = nodes.filter((n) => n.role === 'DIRECTOR');
  const [values, setValues] = useState({
    name: pair?.name ?? '',
    interface: pair?.interface ?? 'eth0',
    virtualRouterId: pair ? String(pair.virtualRouterId) : '51',
    advertInterval: String(pair?.advertInterval ?? 1),
    primaryNodeId: pair?.primaryNodeId ?? directors[0]?.id ?? '',
    primaryPriority: String(pair?.primaryPriority ?? 150),
    secondaryNodeId: pair ? (pair.secondaryNodeId ?? '') : (directors[1]?.id ?? ''),
    secondaryPriority: String(pair?.secondaryPriority ?? 100),
    primaryUnicastIp: pair?.primaryUnicastIp ?? '',
    secondaryUnicastIp: pair?.secondaryUnicastIp ?? '',
    vips: pair?.vips.join('\n') ?? '',
    authSecret: '',
  });
  const [secretChoice, setSecretChoice] = useState<SecretChoice>(pair ? (pair.hasAuthSecret ? 'keep' : 'none') : 'none');

  const onSuccess = () => {
    void refresh();
    onClose();
  };
  const createForm = useFormMutation({ schema: CreateHaPairInput, fields: FIELDS, mutateAsync: (input) => create.mutateAsync(input), successMessage: 'HA pair created', onSuccess });
  const updateForm = useFormMutation({ schema: UpdateHaPairInput, fields: FIELDS, mutateAsync: (input) => update.mutateAsync(input), successMessage: 'HA pair saved', onSuccess });
  const form = pair ? updateForm : createForm;

  function toInput() {
    return {
      name: values.name.trim(),
      interface: values.interface.trim(),
      virtualRouterId: numberOrText(values.virtualRouterId),
      advertInterval: numberOrText(values.advertInterval),
      primaryNodeId: values.primaryNodeId,
      primaryPriority: numberOrText(values.primaryPriority),
      secondaryNodeId: values.secondaryNodeId === '' ? null : values.secondaryNodeId,
      secondaryPriority: numberOrText(values.secondaryPriority),
      primaryUnicastIp: optionalText(values.primaryUnicastIp),
      secondaryUnicastIp: optionalText(values.secondaryUnicastIp),
      vips: splitList(values.vips),
    };
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const input = toInput();
    const secret = secretChoice === 'set' ? values.authSecret : null;
    if (pair) {
      void updateForm.submit({ ...input, id: pair.id, version: pair.version, ...(secretChoice === 'keep' ? {} : { authSecret: secret }) });
    } else {
      void createForm.submit({ ...input, clusterId, authSecret: secret });
    }
  }
  const set = (key: keyof typeof values) => (value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    form.clearError(key);
  };

  const directorOptions = directors.map((n) => ({ value: n.id, label: `${n.name} (${n.managementAddress})` }));
  const secretOptions = [
    ...(pair?.hasAuthSecret ? [{ value: 'keep', label: 'Keep the current secret' }] : []),
    { value: 'set', label: pair?.hasAuthSecret ? 'Replace with a new secret' : 'Use a PASS secret' },
    { value: 'none', label: 'No VRRP authentication' },
  ];

  return (
    <Dialog open={open} onClose={onClose} title={pair ? `Edit HA pair ${pair.name}` : 'New HA pair'} description="One keepalived vrrp_instance: the primary holds the VIPs, the secondary takes them over when it fails." size="lg" testId="ha-pair-dialog">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
        <FormErrors errors={form.fieldErrors._form} />
        <div className="grid grid-cols-[minmax(0,1fr)_8rem_6rem_7rem] gap-3">
          <TextField label="Name" value={values.name} onChange={set('name')} errors={form.fieldErrors.name} placeholder="edge-pair" autoFocus />
          <TextField label="Interface" value={values.interface} onChange={set('interface')} errors={form.fieldErrors.interface} mono placeholder="eth0" />
          <TextField label="VRID" value={values.virtualRouterId} onChange={set('virtualRouterId')} errors={form.fieldErrors.virtualRouterId} mono inputMode="numeric" hint="1–255" />
          <TextField label="Advert (s)" value={values.advertInterval} onChange={set('advertInterval')} errors={form.fieldErrors.advertInterval} mono inputMode="decimal" />
        </div>
        <fieldset className="grid grid-cols-[minmax(0,1fr)_6rem_10rem] gap-3 rounded-md border border-zinc-200 p-3">
          <legend className="px-1 text-xs font-semibold text-zinc-600">Primary (MASTER)</legend>
          <SelectField label="Primary director" value={values.primaryNodeId} onChange={set('primaryNodeId')} errors={form.fieldErrors.primaryNodeId} options={[{ value: '', label: 'Choose a director…' }, ...directorOptions]} />
          <TextField label="Priority" value={values.primaryPriority} onChange={set('primaryPriority')} errors={form.fieldErrors.primaryPriority} mono inputMode="numeric" />
          <TextField label="Unicast source" value={values.primaryUnicastIp} onChange={set('primaryUnicastIp')} errors={form.fieldErrors.primaryUnicastIp} mono placeholder="multicast" />
        </fieldset>
        <fieldset className="grid grid-cols-[minmax(0,1fr)_6rem_10rem] gap-3 rounded-md border border-zinc-200 p-3">
          <legend className="px-1 text-xs font-semibold text-zinc-600">Secondary (BACKUP)</legend>
          <SelectField label="Secondary director" value={values.secondaryNodeId} onChange={set('secondaryNodeId')} errors={form.fieldErrors.secondaryNodeId} options={[{ value: '', label: 'None — single director, no VRRP' }, ...directorOptions]} />
          <TextField label="Priority" value={values.secondaryPriority} onChange={set('secondaryPriority')} errors={form.fieldErrors.secondaryPriority} mono inputMode="numeric" />
          <TextField label="Unicast source" value={values.secondaryUnicastIp} onChange={set('secondaryUnicastIp')} errors={form.fieldErrors.secondaryUnicastIp} mono placeholder="multicast" />
        </fieldset>
        <div className="grid grid-cols-[minmax(0,1fr)_14rem] gap-3">
          <TextAreaField label="VIPs" value={values.vips} onChange={set('vips')} errors={form.fieldErrors.vips} mono rows={3} placeholder="192.168.241.11" hint="One per line (or comma separated)." />
          <div className="flex flex-col gap-3">
            <SelectField label="Authentication" value={secretChoice} onChange={(v) => setSecretChoice(v as SecretChoice)} options={secretOptions} />
            {secretChoice === 'set' ? <TextField label="PASS secret" type="password" value={values.authSecret} onChange={set('authSecret')} errors={form.fieldErrors.authSecret} mono hint="Up to 8 characters." autoComplete="new-password" /> : null}
          </div>
        </div>
        {directors.length === 0 ? <p className="text-xs text-amber-700">This cluster has no director nodes yet: add them under Nodes first.</p> : null}
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={form.isPending}>
            {form.isPending ? 'Saving…' : pair ? 'Save HA pair' : 'Create HA pair'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
