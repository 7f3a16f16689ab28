'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';
import type { ListedUser } from './user-form-dialog';

/**
 * Resets a user's password to a random one the server generates. The password is shown exactly
 * once, here: it is not stored anywhere the UI can read it again.
 */
export function ResetPasswordDialog({ user, onClose }: { user: ListedUser; onClose: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const reset = useMutation(trpc.user.resetPassword.mutationOptions());
  const [password, setPassword] = useState<string | null>(null);
  const [isCopied, setCopied] = useState(false);

  async function onReset() {
    try {
      const result = await reset.mutateAsync({ id: user.id });
      setPassword(result.password);
      // The list shows who must change a one-time password: it changed just now.
      void queryClient.invalidateQueries(trpc.user.list.queryFilter());
    } catch (error) {
      toast.error(describeError(error).message);
    }
  }

  async function onCopy() {
    if (!password) return;
    try {
      await navigator.clipboard.writeText(password);
      setCopied(true);
    } catch {
      toast.info('Copying is blocked here: select the password and copy it by hand.');
    }
  }

  return (
    <Dialog open onClose={onClose} title={`Reset password of ${user.username}`} size="sm" testId="reset-password-dialog">
      {password ? (
        <div className="flex flex-col gap-3">
          <p className="text-sm text-zinc-700">
            New one-time password for <span className="font-mono">{user.username}</span>. It is shown only now; they must change it when they log in.
          </p>
          <div className="flex items-center gap-2">
            <output className="flex-1 rounded-md border border-zinc-300 bg-zinc-50 px-3 py-2 font-mono text-sm select-all" data-testid="one-time-password" aria-label="One-time password">
              {password}
            </output>
            <Button onClick={onCopy}>{isCopied ? 'Copied' : 'Copy'}</Button>
          </div>
          <DialogActions>
            <Button variant="primary" onClick={onClose} data-autofocus>
              Done
            </Button>
          </DialogActions>
        </div>
      ) : (
        <div className="flex flex-col gap-3">
          <p className="text-sm text-zinc-700">
            This signs <span className="font-mono">{user.username}</span> out everywhere and replaces their password with a random one-time password.
          </p>
          <DialogActions>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="danger" onClick={onReset} disabled={reset.isPending} data-autofocus>
              {reset.isPending ? 'Resetting…' : 'Reset password'}
            </Button>
          </DialogActions>
        </div>
      )}
    </Dialog>
  );
}
