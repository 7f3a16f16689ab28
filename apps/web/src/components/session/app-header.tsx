'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useSession } from '@/lib/session/use-session';
import { ChangePasswordDialog } from './change-password-dialog';
import { UserMenu } from './user-menu';

function NavLink({ href, children, isActive }: { href: string; children: string; isActive: boolean }) {
  return (
    <Link
      href={href}
      aria-current={isActive ? 'page' : undefined}
      className={`rounded-md px-2.5 py-1 text-[13px] ${isActive ? 'bg-zinc-800 text-white' : 'text-zinc-400 hover:bg-zinc-800 hover:text-zinc-100'}`}
    >
      {children}
    </Link>
  );
}

export function AppHeader() {
  const pathname = usePathname();
  const { user, canAdminister } = useSession();
  const isClusters = pathname === '/' || pathname.startsWith('/clusters');
  return (
    <header className="sticky top-0 z-30 border-b border-zinc-800 bg-zinc-900">
      <div className="mx-auto flex h-12 max-w-7xl items-center gap-4 px-4">
        <Link href="/" className="flex items-center gap-2 text-zinc-100" aria-label="Fulcrum home">
          <svg aria-hidden viewBox="0 0 32 32" className="size-6">
            <rect width="32" height="32" rx="7" className="fill-sky-500" />
            <path d="M6 22h20M16 22 10 10M16 22l6-12M16 22V8" stroke="white" strokeWidth="2.4" strokeLinecap="round" fill="none" />
          </svg>
          <span className="font-semibold tracking-tight">Fulcrum</span>
        </Link>
        <nav aria-label="Main" className="flex items-center gap-1">
          <NavLink href="/" isActive={isClusters}>
            Clusters
          </NavLink>
          {canAdminister ? (
            <NavLink href="/admin/users" isActive={pathname.startsWith('/admin/users')}>
              Users
            </NavLink>
          ) : null}
        </nav>
        <div className="ml-auto">{user ? <UserMenu user={user} /> : <span className="block h-7 w-40 animate-pulse rounded bg-zinc-800" aria-hidden />}</div>
      </div>
      {user?.mustChangePassword ? <ChangePasswordDialog open onClose={() => undefined} required /> : null}
    </header>
  );
}
