'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CreateNodeInput, UpdateNodeInput } from '@fulcrum/lvs/estate/node';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { FormErrors, SelectField, TextField } from '@/components/ui/field';
import { useFormMutation } from '@/lib/forms/use-form-mutation';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { useTRPC } from '@/lib/trpc/client';
import type { ClusterNode } from '@/lib/trpc/types';

const FIELDS = ['name', 'role', 'managementAddress'] as const;
const ROLE_OPTIONS = [
  { value: 'DIRECTOR', label: 'Director — runs IPVS and keepalived' },
  { value: 'REAL_SERVER', label: 'Real server — serves traffic behind the VIPs' },
];

/** Registers a host of the estate (a director or a real server), or edits one at its version. */
export function NodeFormDialog({ open, onClose, clusterId, node, defaultRole = 'DIRECTOR' }: { open: boolean; onClose: () => void; clusterId: string; node?: ClusterNode; defaultRole?: 'DIRECTOR' | 'REAL_SERVER' }) {
  const trpc = useTRPC();
  const refresh = useRefreshCluster();
  const create = useMutation(trpc.node.create.mutationOptions());
  const update = useMutation(trpc.node.update.mutationOptions());
  const [values, setValues] = useState({ name: node?.name ?? '', role: node?.role ?? defaultRole, managementAddress: node?.managementAddress ?? '' });

  const onSuccess = () => {
    void refresh();
    onClose();
  };
  const createForm = useFormMutation({ schema: CreateNodeInput, fields: FIELDS, mutateAsync: (input) => create.mutateAsync(input), successMessage: 'Node added', onSuccess });
  const updateForm = useFormMutation({ schema: UpdateNodeInput, fields: FIELDS, mutateAsync: (input) => update.mutateAsync(input), successMessage: 'Node saved', onSuccess });
  const form = node ? updateForm : createForm;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void (node ? updateForm.submit({ ...values, id: node.id, version: node.version }) : createForm.submit({ ...values, clusterId }));
  }
  const set = (key: keyof typeof values) => (value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    form.clearError(key);
  };

  return (
    <Dialog open={open} onClose={onClose} title={node ? `Edit node ${node.name}` : 'Add node'} description="A host that runs the Fulcrum agent." size="sm" testId="node-dialog">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
        <FormErrors errors={form.fieldErrors._form} />
        <TextField label="Name" value={values.name} onChange={set('name')} errors={form.fieldErrors.name} placeholder="lb1" autoFocus />
        <SelectField label="Role" value={values.role} onChange={set('role')} errors={form.fieldErrors.role} options={ROLE_OPTIONS} />
        <TextField label="Management address" value={values.managementAddress} onChange={set('managementAddress')} errors={form.fieldErrors.managementAddress} mono placeholder="10.0.0.11 or lb1.example.net" />
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={form.isPending}>
            {form.isPending ? 'Saving…' : node ? 'Save node' : 'Add node'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
