import type { ReactNode } from 'react';
import { AppHeader } from '@/components/session/app-header';

export default function AppLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <AppHeader />
      <main className="mx-auto flex max-w-7xl flex-col gap-6 px-4 py-6">{children}</main>
    </>
  );
}
