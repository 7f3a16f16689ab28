'use client';

import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { useToast } from '@/components/ui/toast';
import { ROLE_LABEL, type Role } from '@/lib/session/roles';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';
import { ChangePasswordDialog } from './change-password-dialog';

const ROLE_TONE = { VIEWER: 'gray', OPERATOR: 'blue', ADMIN: 'violet' } as const;

export function RoleBadge({ role }: { role: Role }) {
  return <Badge tone={ROLE_TONE[role]}>{ROLE_LABEL[role]}</Badge>;
}

/** Who is logged in, with their role, and the two things one does with an account here. */
export function UserMenu({ user }: { user: { username: string; displayName: string; role: Role } }) {
  const trpc = useTRPC();
  const toast = useToast();
  const logout = useMutation(trpc.auth.logout.mutationOptions());
  const [isOpen, setOpen] = useState(false);
  const [isChangingPassword, setChangingPassword] = useState(false);
  const menuId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!isOpen) return;
    const onPointer = (e: PointerEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    // Focus the first item, as a menu button does for keyboard users.
    rootRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [isOpen]);

  function onMenuKeyDown(e: React.KeyboardEvent) {
    const items = Array.from(rootRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      setOpen(false);
      buttonRef.current?.focus();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      items[(index + 1) % items.length]?.focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      items[(index - 1 + items.length) % items.length]?.focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  }

  async function onLogout() {
    try {
      await logout.mutateAsync();
      window.location.assign('/login');
    } catch (error) {
      toast.error(describeError(error).message);
    }
  }

  return (
    <div ref={rootRef} className="relative">
      <button
        ref={buttonRef}
        type="button"
        aria-haspopup="menu"
        aria-expanded={isOpen}
        aria-controls={isOpen ? menuId : undefined}
        aria-label={`Account: ${user.username} (${ROLE_LABEL[user.role]})`}
        data-testid="user-menu-button"
        onClick={() => setOpen((o) => !o)}
        className="flex items-center gap-2 rounded-md px-2 py-1 text-zinc-200 hover:bg-zinc-800"
      >
        <span aria-hidden className="flex size-6 items-center justify-center rounded-full bg-zinc-700 text-[11px] font-semibold uppercase">
          {user.username.slice(0, 1)}
        </span>
        <span className="font-medium">{user.username}</span>
        <RoleBadge role={user.role} />
        <span aria-hidden className="text-[10px] text-zinc-400">▾</span>
      </button>
      {isOpen ? (
        <div id={menuId} role="menu" aria-label="Account" onKeyDown={onMenuKeyDown} className="absolute right-0 z-40 mt-1 w-56 overflow-hidden rounded-md border border-zinc-200 bg-white py-1 text-zinc-800 shadow-lg">
          <div className="border-b border-zinc-100 px-3 pt-1 pb-2">
            <p className="font-medium">{user.displayName || user.username}</p>
            <p className="text-xs text-zinc-500">
              Signed in as <span className="font-mono">{user.username}</span>
            </p>
          </div>
          <button
            type="button"
            role="menuitem"
            className="block w-full px-3 py-1.5 text-left hover:bg-zinc-100 focus:bg-zinc-100 focus:outline-none"
            onClick={() => {
              setOpen(false);
              setChangingPassword(true);
            }}
          >
            Change password
          </button>
          <button type="button" role="menuitem" className="block w-full px-3 py-1.5 text-left hover:bg-zinc-100 focus:bg-zinc-100 focus:outline-none" onClick={onLogout}>
            Log out
          </button>
        </div>
      ) : null}
      {isChangingPassword ? <ChangePasswordDialog open onClose={() => setChangingPassword(false)} /> : null}
    </div>
  );
}
