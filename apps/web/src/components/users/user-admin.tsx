'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { Panel } from '@/components/ui/panel';
import { useToast } from '@/components/ui/toast';
import { RoleBadge } from '@/components/session/user-menu';
import { formatTimestamp } from '@/lib/format/relative-time';
import { useSession } from '@/lib/session/use-session';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';
import { ResetPasswordDialog } from './reset-password-dialog';
import { UserFormDialog, type ListedUser } from './user-form-dialog';

/** The users page: who may log in, with which role, and the admin's tools to manage them. */
export function UserAdmin() {
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { user: me } = useSession();
  const users = useQuery(trpc.user.list.queryOptions());
  const update = useMutation(trpc.user.update.mutationOptions());
  const [isCreating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ListedUser | null>(null);
  const [resetting, setResetting] = useState<ListedUser | null>(null);
  const [disabling, setDisabling] = useState<ListedUser | null>(null);

  async function setDisabled(user: ListedUser, disabled: boolean) {
    await update.mutateAsync({ id: user.id, version: user.version, displayName: user.displayName, role: user.role, disabled });
    await queryClient.invalidateQueries(trpc.user.list.queryFilter());
  }

  async function onEnable(user: ListedUser) {
    try {
      await setDisabled(user, false);
      toast.success(`User ${user.username} enabled`);
    } catch (error) {
      toast.error(describeError(error).message);
    }
  }

  const error = users.isError ? describeError(users.error) : null;

  return (
    <>
      <PageHeader
        title="Users"
        meta={<span>Viewers read; operators change services, real servers and weights; admins change everything.</span>}
        actions={
          users.data ? (
            <Button variant="primary" onClick={() => setCreating(true)}>
              New user
            </Button>
          ) : null
        }
      />
      {users.isLoading ? (
        <div className="h-48 animate-pulse rounded-lg bg-zinc-200/70" aria-busy />
      ) : error ? (
        <EmptyState title={error.code === 'FORBIDDEN' ? 'Only admins manage users' : 'Could not load users'}>{error.message}</EmptyState>
      ) : (
        <Panel className="overflow-x-auto">
          <table className="w-full text-left text-[13px]" aria-label="Users">
            <thead className="border-b border-zinc-200 bg-zinc-50 text-[11px] tracking-wide text-zinc-500 uppercase">
              <tr>
                <th scope="col" className="px-4 py-1.5 font-medium">Username</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Name</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Role</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Status</th>
                <th scope="col" className="px-3 py-1.5 font-medium">Created</th>
                <th scope="col" className="px-4 py-1.5"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100">
              {users.data?.map((user) => {
                const isMe = user.id === me?.id;
                return (
                  <tr key={user.id} data-testid="user-row" data-username={user.username} className={`hover:bg-zinc-50/70 ${user.disabled ? 'text-zinc-400' : ''}`}>
                    <td className="px-4 py-1.5 font-mono">
                      {user.username}
                      {isMe ? <span className="ml-2 font-sans text-[11px] text-zinc-400">(you)</span> : null}
                    </td>
                    <td className="px-3 py-1.5">{user.displayName || <span className="text-zinc-400">—</span>}</td>
                    <td className="px-3 py-1.5">
                      <RoleBadge role={user.role} />
                    </td>
                    <td className="px-3 py-1.5">
                      <span className="flex gap-1.5">
                        {user.disabled ? <Badge tone="red">disabled</Badge> : <Badge tone="green">active</Badge>}
                        {user.mustChangePassword ? <Badge tone="amber" title="Logs in with a one-time password and must change it">one-time password</Badge> : null}
                      </span>
                    </td>
                    <td className="px-3 py-1.5 font-mono text-xs text-zinc-500">{formatTimestamp(new Date(user.createdAt))}</td>
                    <td className="px-4 py-1 text-right whitespace-nowrap">
                      <Button size="sm" variant="ghost" onClick={() => setEditing(user)} aria-label={`Edit user ${user.username}`}>
                        Edit
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => setResetting(user)} aria-label={`Reset password of ${user.username}`}>
                        Reset password
                      </Button>
                      {user.disabled ? (
                        <Button size="sm" variant="ghost" onClick={() => void onEnable(user)} aria-label={`Enable user ${user.username}`}>
                          Enable
                        </Button>
                      ) : (
                        <Button size="sm" variant="ghost" onClick={() => setDisabling(user)} disabled={isMe} title={isMe ? 'You cannot disable yourself' : undefined} aria-label={`Disable user ${user.username}`} className="hover:text-red-700">
                          Disable
                        </Button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Panel>
      )}
      {isCreating ? <UserFormDialog open onClose={() => setCreating(false)} /> : null}
      {editing ? <UserFormDialog open onClose={() => setEditing(null)} user={editing} /> : null}
      {resetting ? <ResetPasswordDialog user={resetting} onClose={() => setResetting(null)} /> : null}
      {disabling ? (
        <ConfirmDialog open onClose={() => setDisabling(null)} title="Disable user" confirmLabel="Disable user" successMessage={`User ${disabling.username} disabled`} onConfirm={() => setDisabled(disabling, true)}>
          <span className="font-mono">{disabling.username}</span> is signed out everywhere and can no longer log in. Their audit history stays.
        </ConfirmDialog>
      ) : null}
    </>
  );
}
