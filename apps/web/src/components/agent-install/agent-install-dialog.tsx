'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ScanHostKeyInput, type AgentOperationKind } from '@fulcrum/installer/install-target';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogActions } from '@/components/ui/dialog';
import { FormErrors, TextField } from '@/components/ui/field';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { fieldErrorsFromZod } from '@/lib/forms/field-errors';
import { useFormMutation } from '@/lib/forms/use-form-mutation';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC, useTRPCClient } from '@/lib/trpc/client';
import type { ClusterNode } from '@/lib/trpc/types';
import { AGENT_OPERATION_FIELDS, AgentOperationForm, initialFormValues, withoutSecrets, type AgentOperationFormValues } from './agent-operation-form';
import { defaultOperationKind, OPERATION_VERB } from './describe-agent-operation';
import { HostKeyCheck, type HostKeyScan } from './host-key-check';
import { OperationProgress } from './operation-progress';
import { SshAuthFields } from './ssh-auth-fields';

const KIND_OPTIONS = [
  { value: 'INSTALL', label: 'Install', title: 'Put the agent on a host that does not run it yet' },
  { value: 'UPGRADE', label: 'Upgrade', title: 'Replace the installed agent with the version this server ships' },
  { value: 'REMOVE', label: 'Remove', title: 'Stop the agent and delete its files; its token is revoked' },
] as const;

const KIND_HINT: Record<AgentOperationKind, string> = {
  INSTALL: 'Logs in (as root or a user with passwordless sudo), checks the host (Linux, Node.js ≥ 20, disk), uploads the agent with a fresh token, starts it, and waits until the node has applied its desired state. A failed install takes back what it created.',
  UPGRADE: 'Logs in (as root or a user with passwordless sudo), uploads the agent this server ships over the installed one, restarts it, and waits until the new version is connected. Token and configuration stay.',
  REMOVE: 'Logs in (as root or a user with passwordless sudo), stops the agent, deletes its files and revokes its token. What it set in the kernel (VIPs, sysctls, IPVS) stays as it is.',
};

type Props = { node: Pick<ClusterNode, 'id' | 'name' | 'managementAddress'>; agentStatus: ClusterNode['agentStatus']; onClose: () => void };

/**
 * Installs, upgrades or removes a node's agent over SSH (admin). Step 1 reads the host key and has
 * the admin confirm a new one; step 2 starts the operation and follows it live. The credentials
 * live in this component's state only: emptied when the operation starts, gone when it closes, and
 * sent with the plain tRPC client so no mutation cache keeps a copy.
 */
export function AgentInstallDialog({ node, agentStatus, onClose }: Props) {
  const trpc = useTRPC();
  const trpcClient = useTRPCClient();
  const queryClient = useQueryClient();
  const defaults = useQuery(trpc.agentInstall.defaults.queryOptions());
  // Cached by the node's row: decides what to preselect, and reopens an operation still running.
  const lastOperation = useQuery(trpc.agentInstall.listForNode.queryOptions({ nodeId: node.id, limit: 1 })).data?.[0];
  const [values, setValues] = useState<AgentOperationFormValues>(() => initialFormValues({ kind: defaultOperationKind(agentStatus, lastOperation), managementAddress: node.managementAddress }));
  const [isServerUrlEdited, setServerUrlEdited] = useState(false);
  const [operationId, setOperationId] = useState<string | null>(() => (lastOperation?.status === 'RUNNING' ? lastOperation.id : null));
  const [scan, setScan] = useState<HostKeyScan | null>(null);
  const [isConfirmed, setConfirmed] = useState(false);
  const [scanErrors, setScanErrors] = useState<string[] | undefined>(undefined);
  const [isForgetting, setForgetting] = useState(false);
  const scanHostKey = useMutation(trpc.agentInstall.scanHostKey.mutationOptions());
  const forgetHostKey = useMutation(trpc.agentInstall.forgetHostKey.mutationOptions());

  const form = useFormMutation({
    schema: AgentOperationForm,
    fields: AGENT_OPERATION_FIELDS,
    mutateAsync: (input) => trpcClient.agentInstall.start.mutate(input),
    onSuccess: ({ id }) => {
      setValues(withoutSecrets);
      setOperationId(id);
      void queryClient.invalidateQueries(trpc.agentInstall.listForNode.pathFilter());
    },
  });

  const serverUrl = isServerUrlEdited ? values.serverUrl : (defaults.data?.serverUrl ?? '');
  const where = `${values.host.trim()}:${values.port.trim()}`;
  const isReady = scan !== null && (scan.trust === 'TRUSTED' || (scan.trust === 'NEW' && isConfirmed));

  function set<K extends keyof AgentOperationFormValues>(field: K, value: AgentOperationFormValues[K]) {
    setValues((v) => ({ ...v, [field]: value }));
    form.clearError(field);
    if (field === 'host' || field === 'port') {
      // A scan answers for one host:port only.
      setScan(null);
      setConfirmed(false);
      setScanErrors(undefined);
      form.clearError('hostKeyFingerprint');
    }
  }

  async function onCheckHostKey(): Promise<void> {
    const target = ScanHostKeyInput.safeParse({ host: values.host.trim(), port: values.port.trim() === '' ? undefined : values.port.trim() });
    if (!target.success) {
      const errors = fieldErrorsFromZod(target.error);
      form.setFieldErrors((current) => ({ ...current, ...errors }));
      return;
    }
    setScanErrors(undefined);
    form.clearError('hostKeyFingerprint');
    try {
      const result = await scanHostKey.mutateAsync(target.data);
      setScan(result);
      setConfirmed(false);
    } catch (error) {
      setScan(null);
      const described = describeError(error);
      if (described.fieldErrors) form.setFieldErrors((current) => ({ ...current, ...described.fieldErrors }));
      else setScanErrors([described.message]);
    }
  }

  async function onForgetHostKey(): Promise<void> {
    if (!scan) return;
    await forgetHostKey.mutateAsync({ host: scan.host, port: scan.port });
    await onCheckHostKey();
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!isReady || !scan) return;
    void form.submit({ ...values, serverUrl, nodeId: node.id, hostKeyFingerprint: scan.trust === 'NEW' ? scan.fingerprint : null });
  }

  function onBackToForm() {
    setOperationId(null);
    // What the operation did may have changed the host's trust (a first login records its key).
    setScan(null);
    setConfirmed(false);
  }

  const verb = OPERATION_VERB[values.kind];
  return (
    <>
      <Dialog open onClose={onClose} title={`Agent on ${node.name}`} description="Install, upgrade or remove the Fulcrum agent over SSH." size="lg" testId="agent-install-dialog">
        {operationId ? (
          <div className="flex flex-col">
            <OperationProgress operationId={operationId} nodeName={node.name} />
            <DialogActions>
              <Button onClick={onBackToForm}>Back to the form</Button>
              <Button variant="primary" onClick={onClose}>
                Close
              </Button>
            </DialogActions>
          </div>
        ) : (
          <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
            <FormErrors errors={form.fieldErrors._form} />
            <div className="flex flex-col gap-1">
              <SegmentedControl label="Operation" value={values.kind} onChange={(v: AgentOperationKind) => set('kind', v)} options={KIND_OPTIONS} testId="agent-operation-kind" />
              <p className="text-[11px] text-zinc-500">{KIND_HINT[values.kind]}</p>
            </div>
            <div className="grid grid-cols-[minmax(0,1fr)_6rem_10rem] gap-3">
              <TextField label="Host" value={values.host} onChange={(v) => set('host', v)} errors={form.fieldErrors.host} mono placeholder="10.0.0.21 or rs1.example.net" />
              <TextField label="Port" value={values.port} onChange={(v) => set('port', v)} errors={form.fieldErrors.port} mono inputMode="numeric" />
              <TextField label="User" value={values.username} onChange={(v) => set('username', v)} errors={form.fieldErrors.username} mono title="root, or a user with passwordless sudo" />
            </div>
            <SshAuthFields values={values} errors={form.fieldErrors} onChange={(field, value) => set(field, value as AgentOperationFormValues[typeof field])} />
            {values.kind === 'INSTALL' ? (
              <details className="rounded-md border border-zinc-200 px-3 py-2" open={Boolean(form.fieldErrors.nodePath || form.fieldErrors.serverUrl) || undefined}>
                <summary className="cursor-pointer text-xs font-medium text-zinc-700">Advanced</summary>
                <div className="mt-2 grid grid-cols-2 gap-3">
                  <TextField label="Node.js path" value={values.nodePath} onChange={(v) => set('nodePath', v)} errors={form.fieldErrors.nodePath} mono placeholder="found on the login PATH" hint="When node is not on the login PATH, e.g. /opt/node/bin/node" />
                  <TextField
                    label="Agent server URL"
                    value={serverUrl}
                    onChange={(v) => {
                      setServerUrlEdited(true);
                      set('serverUrl', v);
                    }}
                    errors={form.fieldErrors.serverUrl}
                    mono
                    placeholder="ws://fulcrum.example.net:3000/ws/agent"
                    hint="How the agent reaches Fulcrum; by default the address this browser uses"
                  />
                </div>
              </details>
            ) : null}
            <HostKeyCheck
              where={where}
              scan={scan}
              isChecking={scanHostKey.isPending || forgetHostKey.isPending}
              isConfirmed={isConfirmed}
              onConfirmedChange={(checked) => {
                setConfirmed(checked);
                form.clearError('hostKeyFingerprint');
              }}
              onCheck={() => void onCheckHostKey()}
              onForget={() => setForgetting(true)}
              errors={[...(scanErrors ?? []), ...(form.fieldErrors.hostKeyFingerprint ?? [])]}
            />
            <DialogActions>
              <Button onClick={onClose}>Cancel</Button>
              <Button type="submit" variant={values.kind === 'REMOVE' ? 'danger' : 'primary'} disabled={!isReady || form.isPending} title={isReady ? undefined : scan?.trust === 'CHANGED' ? 'The host key changed: see above' : 'Check the host key first'}>
                {form.isPending ? 'Starting…' : `${verb} agent`}
              </Button>
            </DialogActions>
          </form>
        )}
      </Dialog>
      {isForgetting && scan ? (
        // A sibling of the dialog, not inside it: Escape in the confirmation must not close both.
        <ConfirmDialog
          open
          onClose={() => setForgetting(false)}
          title="Forget the old host key"
          confirmLabel="Forget the old key"
          successMessage={`Forgot the old host key of ${scan.host}:${scan.port}: compare the new one before going on`}
          onConfirm={onForgetHostKey}
        >
          Fulcrum will no longer trust <span className="font-mono break-all">{scan.trustedFingerprint}</span> for <span className="font-mono">{scan.host}:{scan.port}</span>. The key the host presents now must then be compared and confirmed like a new one. This is recorded in the audit log.
        </ConfirmDialog>
      ) : null}
    </>
  );
}
