'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { z } from 'zod';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { FormErrors, TextField } from '@/components/ui/field';
import { useFormMutation } from '@/lib/forms/use-form-mutation';
import { useTRPC } from '@/lib/trpc/client';

const ChangePasswordForm = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password'),
    newPassword: z.string().min(12, 'Use at least 12 characters').max(200, 'Use at most 200 characters'),
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'The two new passwords differ' })
  .refine((v) => v.newPassword !== v.currentPassword, { path: ['newPassword'], message: 'Choose a password different from the current one' });

/**
 * Changes the logged-in user's password. `required` is for a first login with a one-time
 * password: the dialog cannot be dismissed until a new password is set.
 */
export function ChangePasswordDialog({ open, onClose, required = false }: { open: boolean; onClose: () => void; required?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const change = useMutation(trpc.auth.changePassword.mutationOptions());
  const logout = useMutation(trpc.auth.logout.mutationOptions());
  const [values, setValues] = useState({ currentPassword: '', newPassword: '', confirmPassword: '' });
  const form = useFormMutation({
    schema: ChangePasswordForm,
    fields: ['currentPassword', 'newPassword', 'confirmPassword'],
    mutateAsync: ({ currentPassword, newPassword }) => change.mutateAsync({ currentPassword, newPassword }),
    successMessage: 'Password changed',
    onSuccess: () => {
      setValues({ currentPassword: '', newPassword: '', confirmPassword: '' });
      void queryClient.invalidateQueries(trpc.auth.me.queryFilter());
      onClose();
    },
  });
  const set = (key: keyof typeof values) => (value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    form.clearError(key);
  };

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void form.submit(values);
  }

  return (
    <Dialog
      open={open}
      onClose={required ? () => undefined : onClose}
      title={required ? 'Set your own password' : 'Change password'}
      description={required ? 'You logged in with a one-time password. Choose a new one to continue.' : undefined}
      size="sm"
      testId="change-password-dialog"
      isDismissible={!required}
    >
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
        <FormErrors errors={form.fieldErrors._form} />
        <TextField label="Current password" type="password" value={values.currentPassword} onChange={set('currentPassword')} errors={form.fieldErrors.currentPassword} autoComplete="current-password" autoFocus />
        <TextField label="New password" type="password" value={values.newPassword} onChange={set('newPassword')} errors={form.fieldErrors.newPassword} autoComplete="new-password" hint="At least 12 characters." />
        <TextField label="Repeat new password" type="password" value={values.confirmPassword} onChange={set('confirmPassword')} errors={form.fieldErrors.confirmPassword} autoComplete="new-password" />
        <DialogActions>
          {required ? (
            // The rest of the page is inert behind a required dialog: leaving must still be possible.
            <Button variant="ghost" className="mr-auto" onClick={() => logout.mutateAsync().finally(() => window.location.assign('/login'))}>
              Log out
            </Button>
          ) : (
            <Button onClick={onClose}>Cancel</Button>
          )}
          <Button type="submit" variant="primary" disabled={form.isPending}>
            {form.isPending ? 'Saving…' : 'Change password'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
