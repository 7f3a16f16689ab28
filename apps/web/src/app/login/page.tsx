import type { Metadata } from 'next';
import { LoginForm } from '@/components/session/login-form';
import { safeNextPath } from '@/lib/session/safe-next-path';

export const metadata: Metadata = { title: 'Log in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  const nextPath = safeNextPath(Array.isArray(next) ? next[0] : next);
  return (
    <main className="flex min-h-screen items-center justify-center bg-zinc-900 px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center gap-2.5 text-zinc-100">
          <FulcrumMark />
          <div>
            <p className="text-lg font-semibold tracking-tight">Fulcrum</p>
            <p className="text-xs text-zinc-400">LVS / IPVS + keepalived control plane</p>
          </div>
        </div>
        <LoginForm nextPath={nextPath} />
      </div>
    </main>
  );
}

function FulcrumMark() {
  return (
    <svg aria-hidden viewBox="0 0 32 32" className="size-9">
      <rect width="32" height="32" rx="7" className="fill-sky-500" />
      <path d="M6 22h20M16 22 10 10M16 22l6-12M16 22V8" stroke="white" strokeWidth="2.2" strokeLinecap="round" fill="none" />
    </svg>
  );
}
