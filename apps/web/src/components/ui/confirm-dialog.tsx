'use client';

import { useState, type ReactNode } from 'react';
import { useToast } from './toast';
import { Button } from './button';
import { Dialog, DialogActions } from './dialog';
import { describeError } from '@/lib/trpc/describe-error';

type ConfirmDialogProps = {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  successMessage: string;
};

/** Asks before a destructive change, shows the server's refusal as a toast, closes on success. */
export function ConfirmDialog({ open, onClose, title, children, confirmLabel, onConfirm, successMessage }: ConfirmDialogProps) {
  const toast = useToast();
  const [isPending, setPending] = useState(false);
  async function confirm() {
    setPending(true);
    try {
      await onConfirm();
      toast.success(successMessage);
      onClose();
    } catch (error) {
      toast.error(describeError(error).message);
    } finally {
      setPending(false);
    }
  }
  return (
    <Dialog open={open} onClose={onClose} title={title} size="sm" testId="confirm-dialog">
      <div className="text-sm text-zinc-700">{children}</div>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="danger" onClick={confirm} disabled={isPending} data-autofocus>
          {isPending ? 'Working…' : confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
