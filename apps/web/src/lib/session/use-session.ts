'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/lib/trpc/client';
import { canAdminister, canOperate } from './roles';

/** The logged-in user (auth.me) with what their role allows; `user` is null when logged out. */
export function useSession() {
  const trpc = useTRPC();
  const query = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  const user = query.data ?? null;
  return {
    user,
    isLoading: query.isLoading,
    canOperate: canOperate(user?.role),
    canAdminister: canAdminister(user?.role),
  };
}
