'use client';

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';

/**
 * Takes a real server out at once (MAINT: weight 0, no drain tracking), with the same
 * last-serving-server confirmation as a drain.
 */
export function MaintenanceDialog({ realServer, endpoint, onClose }: { realServer: { id: string; version: number }; endpoint: string; onClose: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const refresh = useRefreshCluster();
  const setMaintenance = useMutation(trpc.realServer.setMaintenance.mutationOptions());
  const [confirmation, setConfirmation] = useState<string | null>(null);

  async function send() {
    try {
      await setMaintenance.mutateAsync({ id: realServer.id, version: realServer.version, confirm: confirmation !== null });
      await refresh();
      toast.success(`${endpoint} is in maintenance`);
      onClose();
    } catch (error) {
      const described = describeError(error);
      if (described.code === 'CONFIRMATION_REQUIRED') {
        setConfirmation(described.message);
        return;
      }
      toast.error(described.message);
      if (described.code === 'CONFLICT' || described.code === 'NOT_FOUND') onClose();
    }
  }

  return (
    <Dialog open onClose={onClose} title={`Maintenance for ${endpoint}`} size="sm" testId="maintenance-dialog">
      <p className="text-sm text-zinc-700">
        Weight 0 on every director now, without waiting for connections: use Drain to let them finish first. Restore puts the configured weight back.
      </p>
      {confirmation ? (
        <div role="alert" className="mt-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900" data-testid="maintenance-confirmation">
          {confirmation}
        </div>
      ) : null}
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="danger" onClick={() => void send()} disabled={setMaintenance.isPending} data-autofocus>
          {setMaintenance.isPending ? 'Working…' : confirmation ? 'Put in maintenance anyway' : 'Put in maintenance'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
