'use client';

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import { useRefreshCluster } from '@/lib/forms/use-refresh-cluster';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';
import type { ClusterNode } from '@/lib/trpc/types';

/**
 * Issues, rotates or revokes a node's agent enrollment token. The server keeps only a hash, so a
 * new token is shown exactly once, here, for the operator to put on the host.
 */
export function NodeTokenDialog({ node, onClose }: { node: ClusterNode; onClose: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const refresh = useRefreshCluster();
  const issue = useMutation(trpc.node.issueToken.mutationOptions());
  const revoke = useMutation(trpc.node.revokeToken.mutationOptions());
  const [token, setToken] = useState<string | null>(null);

  async function onIssue() {
    try {
      const result = await issue.mutateAsync({ id: node.id });
      setToken(result.token);
      void refresh();
    } catch (error) {
      toast.error(describeError(error).message);
    }
  }

  async function onRevoke() {
    try {
      await revoke.mutateAsync({ id: node.id });
      await refresh();
      toast.success(`Agent token of ${node.name} revoked`);
      onClose();
    } catch (error) {
      toast.error(describeError(error).message);
    }
  }

  return (
    <Dialog open onClose={onClose} title={`Agent token of ${node.name}`} size="md" testId="node-token-dialog">
      {token ? (
        <div className="flex flex-col gap-3">
          <p className="text-sm text-zinc-700">Give this token to the agent on {node.name}. It is shown only now; issuing another replaces it.</p>
          <output className="rounded-md border border-zinc-300 bg-zinc-50 px-3 py-2 font-mono text-xs break-all select-all" aria-label="Agent token" data-testid="agent-token">
            {token}
          </output>
          <DialogActions>
            <Button variant="primary" onClick={onClose} data-autofocus>
              Done
            </Button>
          </DialogActions>
        </div>
      ) : (
        <div className="flex flex-col gap-3">
          <p className="text-sm text-zinc-700">
            {node.hasToken
              ? 'This node has a token. Rotating issues a new one and the agent must be given it; revoking disconnects the agent for good.'
              : 'This node has no token yet: its agent cannot connect until you issue one.'}
          </p>
          <DialogActions>
            <Button onClick={onClose}>Cancel</Button>
            {node.hasToken ? (
              <Button variant="danger" onClick={onRevoke} disabled={revoke.isPending}>
                Revoke token
              </Button>
            ) : null}
            <Button variant="primary" onClick={onIssue} disabled={issue.isPending} data-autofocus>
              {node.hasToken ? 'Rotate token' : 'Issue token'}
            </Button>
          </DialogActions>
        </div>
      )}
    </Dialog>
  );
}
