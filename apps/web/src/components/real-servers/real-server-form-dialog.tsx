'use client';

import { useMutation } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { checkRealServerAgainstService, CreateRealServerInput, UpdateRealServerInput } from '@fulcrum/lvs/estate/real-server';
import { FORWARDING_METHODS } from '@fulcrum/lvs/model/primitives';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { FormErrors, SelectField, TextField } from '@/components/ui/field';
import { numberOrText, optionalNumber } from '@/lib/forms/field-errors';
import { useFormMutation } from '@/lib/forms/use-form-mutation';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { useTRPC } from '@/lib/trpc/client';
import type { ClusterNode, ClusterRealServer, ClusterService } from '@/lib/trpc/types';

const FIELDS = ['address', 'port', 'weight', 'forwarding', 'nodeId', 'upperThreshold', 'lowerThreshold'] as const;

const FORWARDING_LABEL: Record<(typeof FORWARDING_METHODS)[number], string> = {
  DR: 'DR — direct routing (-g)',
  TUN: 'TUN — IP-in-IP tunnel (-i)',
  NAT: 'NAT — masquerading (-m)',
};

type Service = Pick<ClusterService, 'id' | 'protocol' | 'address' | 'port' | 'serviceKey'>;

/** Adds the service-dependent rules (DR/TUN keep the port, same address family) to a shared schema. */
function withServiceRules<T extends z.ZodType<{ address: string; port: number; forwarding: 'DR' | 'TUN' | 'NAT' }>>(schema: T, service: Service) {
  return schema.superRefine((rs, ctx) => {
    for (const problem of checkRealServerAgainstService(rs, service)) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
  });
}

/** Adds a real server to a service, or edits one at its version. */
export function RealServerFormDialog({ open, onClose, service, nodes, realServer }: { open: boolean; onClose: () => void; service: Service; nodes: ClusterNode[]; realServer?: ClusterRealServer }) {
  const trpc = useTRPC();
  const refresh = useRefreshCluster();
  const create = useMutation(trpc.realServer.create.mutationOptions());
  const update = useMutation(trpc.realServer.update.mutationOptions());
  const isFwmark = service.protocol === 'FWMARK';
  const [values, setValues] = useState({
    address: realServer?.address ?? '',
    port: realServer ? (realServer.port === 0 ? '' : String(realServer.port)) : service.port !== null ? String(service.port) : '',
    weight: String(realServer?.weight ?? 1),
    forwarding: realServer?.forwarding ?? 'DR',
    nodeId: realServer?.nodeId ?? '',
    upperThreshold: realServer?.upperThreshold != null ? String(realServer.upperThreshold) : '',
    lowerThreshold: realServer?.lowerThreshold != null ? String(realServer.lowerThreshold) : '',
  });
  const createSchema = useMemo(() => withServiceRules(CreateRealServerInput, service), [service]);
  const updateSchema = useMemo(() => withServiceRules(UpdateRealServerInput, service), [service]);

  const onSuccess = () => {
    void refresh();
    onClose();
  };
  const createForm = useFormMutation({ schema: createSchema, fields: FIELDS, mutateAsync: (input) => create.mutateAsync(input), successMessage: 'Real server added', onSuccess });
  const updateForm = useFormMutation({ schema: updateSchema, fields: FIELDS, mutateAsync: (input) => update.mutateAsync(input), successMessage: 'Real server saved', onSuccess });
  const form = realServer ? updateForm : createForm;

  function toInput() {
    return {
      address: values.address.trim(),
      // Firewall-mark services forward to the packet's own port: an empty box means 0.
      port: isFwmark && values.port.trim() === '' ? 0 : numberOrText(values.port),
      weight: numberOrText(values.weight),
      forwarding: values.forwarding,
      nodeId: values.nodeId === '' ? null : values.nodeId,
      upperThreshold: optionalNumber(values.upperThreshold),
      lowerThreshold: optionalNumber(values.lowerThreshold),
    };
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const input = toInput();
    void (realServer ? updateForm.submit({ ...input, id: realServer.id, version: realServer.version }) : createForm.submit({ ...input, virtualServiceId: service.id }));
  }
  const set = (key: keyof typeof values) => (value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    form.clearError(key);
  };

  const nodeOptions = [{ value: '', label: 'Not managed by Fulcrum' }, ...nodes.filter((n) => n.role === 'REAL_SERVER').map((n) => ({ value: n.id, label: `${n.name} (${n.managementAddress})` }))];

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={realServer ? `Edit real server ${realServer.address}` : 'Add real server'}
      description={<span className="font-mono">{service.serviceKey}</span>}
      testId="real-server-dialog"
    >
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
        <FormErrors errors={form.fieldErrors._form} />
        <div className="grid grid-cols-[minmax(0,1fr)_9rem] gap-3">
          <TextField label="Address" value={values.address} onChange={set('address')} errors={form.fieldErrors.address} mono placeholder="192.168.241.15" autoFocus />
          <TextField label="Port" value={values.port} onChange={set('port')} errors={form.fieldErrors.port} mono inputMode="numeric" placeholder={isFwmark ? 'packet’s' : ''} />
        </div>
        <div className="grid grid-cols-[minmax(0,1fr)_9rem] gap-3">
          <SelectField label="Forwarding" value={values.forwarding} onChange={set('forwarding')} errors={form.fieldErrors.forwarding} options={FORWARDING_METHODS.map((m) => ({ value: m, label: FORWARDING_LABEL[m] }))} />
          <TextField label="Weight" value={values.weight} onChange={set('weight')} errors={form.fieldErrors.weight} mono inputMode="numeric" hint="0 = no new connections" />
        </div>
        <SelectField label="Managed node" value={values.nodeId} onChange={set('nodeId')} errors={form.fieldErrors.nodeId} options={nodeOptions} hint="A managed real server gets the VIP on lo (DR) or tunl0 (TUN) from its agent." />
        <div className="grid grid-cols-2 gap-3">
          <TextField label="Upper connection threshold" value={values.upperThreshold} onChange={set('upperThreshold')} errors={form.fieldErrors.upperThreshold} mono inputMode="numeric" placeholder="no limit" />
          <TextField label="Lower connection threshold" value={values.lowerThreshold} onChange={set('lowerThreshold')} errors={form.fieldErrors.lowerThreshold} mono inputMode="numeric" placeholder="no limit" />
        </div>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={form.isPending}>
            {form.isPending ? 'Saving…' : realServer ? 'Save real server' : 'Add real server'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
