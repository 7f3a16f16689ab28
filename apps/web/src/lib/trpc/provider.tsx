'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { useState, type ReactNode } from 'react';
import superjson from 'superjson';
import type { AppRouter } from '@/server/trpc/router';
import { describeError } from './describe-error';
import { TRPCProvider } from './client';

/** A query that fails because the session ended sends the operator back to the login page, keeping the place. */
function redirectToLoginOnUnauthorized(error: unknown): void {
  if (typeof window === 'undefined') return;
  if (describeError(error).code !== 'UNAUTHORIZED') return;
  if (window.location.pathname === '/login') return;
  const next = `${window.location.pathname}${window.location.search}`;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

function makeQueryClient(): QueryClient {
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: redirectToLoginOnUnauthorized }),
    mutationCache: new MutationCache({
      onError: (error) => {
        redirectToLoginOnUnauthorized(error);
        // An edit against a stale version (someone else changed or deleted the object): whatever
        // the form or cell shows, the screen must now catch up with the committed state.
        const code = describeError(error).code;
        if (code === 'CONFLICT' || code === 'NOT_FOUND') void queryClient.invalidateQueries();
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // Validation, permission and missing-object errors do not get better by asking again.
        retry: (failureCount, error) => {
          const code = describeError(error).code;
          if (code !== 'INTERNAL' && code !== 'NETWORK') return false;
          return failureCount < 2;
        },
        refetchOnWindowFocus: true,
      },
    },
  });
  return queryClient;
}

function makeTrpcClient() {
  return createTRPCClient<AppRouter>({
    // Live data (counters, VRRP, apply status, drains) arrives over SSE, which goes through the App
    // Router route handler unbuffered; queries and mutations keep the batch link.
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: '/api/trpc', transformer: superjson }),
        false: httpBatchLink({ url: '/api/trpc', transformer: superjson }),
      }),
    ],
  });
}

export function TrpcReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(makeTrpcClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
