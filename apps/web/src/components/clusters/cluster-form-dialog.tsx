'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { CreateClusterInput, UpdateClusterInput } from '@fulcrum/lvs/estate/cluster';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { FormErrors, TextAreaField, TextField } from '@/components/ui/field';
import { useFormMutation } from '@/lib/forms/use-form-mutation';
import { useTRPC } from '@/lib/trpc/client';

type EditedCluster = { id: string; version: number; name: string; description: string };
const FIELDS = ['name', 'description'] as const;

/** Create a cluster (then open it), or rename/describe an existing one at its version. */
export function ClusterFormDialog({ open, onClose, cluster }: { open: boolean; onClose: () => void; cluster?: EditedCluster }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const create = useMutation(trpc.cluster.create.mutationOptions());
  const update = useMutation(trpc.cluster.update.mutationOptions());
  const [values, setValues] = useState({ name: cluster?.name ?? '', description: cluster?.description ?? '' });

  const invalidate = () => queryClient.invalidateQueries(trpc.cluster.pathFilter());
  const createForm = useFormMutation({
    schema: CreateClusterInput,
    fields: FIELDS,
    mutateAsync: (input) => create.mutateAsync(input),
    successMessage: 'Cluster created',
    onSuccess: (created) => {
      void invalidate();
      onClose();
      const id = (created as { id?: string } | undefined)?.id;
      if (id) router.push(`/clusters/${id}`);
    },
  });
  const updateForm = useFormMutation({
    schema: UpdateClusterInput,
    fields: FIELDS,
    mutateAsync: (input) => update.mutateAsync(input),
    successMessage: 'Cluster saved',
    onSuccess: () => {
      void invalidate();
      onClose();
    },
  });
  const form = cluster ? updateForm : createForm;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void (cluster ? updateForm.submit({ ...values, id: cluster.id, version: cluster.version }) : createForm.submit(values));
  }
  const set = (key: keyof typeof values) => (value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    form.clearError(key);
  };

  return (
    <Dialog open={open} onClose={onClose} title={cluster ? `Edit cluster ${cluster.name}` : 'New cluster'} description="A cluster is one LVS estate: its directors, HA pairs, services and real servers." size="sm" testId="cluster-dialog">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
        <FormErrors errors={form.fieldErrors._form} />
        <TextField label="Name" value={values.name} onChange={set('name')} errors={form.fieldErrors.name} placeholder="dc1-edge" autoFocus />
        <TextAreaField label="Description" value={values.description} onChange={set('description')} errors={form.fieldErrors.description} placeholder="What this estate serves, where it lives" rows={3} />
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={form.isPending}>
            {form.isPending ? 'Saving…' : cluster ? 'Save cluster' : 'Create cluster'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
