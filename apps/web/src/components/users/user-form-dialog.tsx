'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { FormErrors, SelectField, TextField } from '@/components/ui/field';
import { useFormMutation } from '@/lib/forms/use-form-mutation';
import { useTRPC } from '@/lib/trpc/client';
import type { RouterOutputs } from '@/lib/trpc/types';
import { CreateUserInput as CreateUserForm, UpdateUserInput as UpdateUserForm, USER_ROLES } from '@fulcrum/lvs/estate/user';

export type ListedUser = RouterOutputs['user']['list'][number];

const ROLE_OPTIONS = USER_ROLES.map((r) => ({
  value: r,
  label: r === 'VIEWER' ? 'Viewer — reads everything, changes nothing' : r === 'OPERATOR' ? 'Operator — services, real servers, weights' : 'Admin — everything, including nodes, pairs and users',
}));

/** Creates a local user with a first password, or changes a user's name and role. */
export function UserFormDialog({ open, onClose, user }: { open: boolean; onClose: () => void; user?: ListedUser }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.user.create.mutationOptions());
  const update = useMutation(trpc.user.update.mutationOptions());
  const [values, setValues] = useState({ username: user?.username ?? '', displayName: user?.displayName ?? '', role: user?.role ?? 'VIEWER', password: '' });

  const onSuccess = () => {
    void queryClient.invalidateQueries(trpc.user.list.queryFilter());
    onClose();
  };
  const createForm = useFormMutation({ schema: CreateUserForm, fields: ['username', 'displayName', 'role', 'password'], mutateAsync: (input) => create.mutateAsync(input), successMessage: (u) => `User ${u.username} created`, onSuccess });
  const updateForm = useFormMutation({ schema: UpdateUserForm, fields: ['displayName', 'role'], mutateAsync: (input) => update.mutateAsync(input), successMessage: (u) => `User ${u.username} saved`, onSuccess });
  const form = user ? updateForm : createForm;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void (user ? updateForm.submit({ id: user.id, version: user.version, displayName: values.displayName, role: values.role, disabled: user.disabled }) : createForm.submit(values));
  }
  const set = (key: keyof typeof values) => (value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    form.clearError(key);
  };

  return (
    <Dialog open={open} onClose={onClose} title={user ? `Edit user ${user.username}` : 'New user'} size="sm" testId="user-dialog">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
        <FormErrors errors={form.fieldErrors._form} />
        {user ? null : <TextField label="Username" value={values.username} onChange={set('username')} errors={form.fieldErrors.username} mono placeholder="jdoe" />}
        <TextField label="Display name" value={values.displayName} onChange={set('displayName')} errors={form.fieldErrors.displayName} placeholder="Jane Doe" />
        <SelectField label="Role" value={values.role} onChange={set('role')} errors={form.fieldErrors.role} options={ROLE_OPTIONS} />
        {user ? null : (
          <TextField label="First password" type="password" value={values.password} onChange={set('password')} errors={form.fieldErrors.password} autoComplete="new-password" hint="At least 12 characters; share it with the user over a safe channel." />
        )}
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={form.isPending}>
            {form.isPending ? 'Saving…' : user ? 'Save user' : 'Create user'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
