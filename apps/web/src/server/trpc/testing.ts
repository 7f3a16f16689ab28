// For integration tests: drive the real router over a real database, as HTTP would.
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import superjson from 'superjson';
import type { PrismaClient } from '@fulcrum/db/client';
import { hashPassword } from '@fulcrum/core/auth/passwords';
import { createSession, SESSION_COOKIE } from '@fulcrum/core/auth/sessions';
import type { Role } from '@fulcrum/core/auth/actor';
import { createContext } from './context';
import { appRouter } from './router';
import { createCallerFactory } from './init';

const createCaller = createCallerFactory(appRouter);

/** Creates a user with a session; returns its cookie token. */
export async function createTestUser(db: PrismaClient, username: string, role: Role): Promise<{ id: string; token: string }> {
  const user = await db.user.create({ data: { username, role, passwordHash: await hashPassword('correct horse battery') }, select: { id: true } });
  const { token } = await createSession({ db, userId: user.id });
  return { id: user.id, token };
}

/** A server-side caller acting with a session cookie, exactly as a browser request would be resolved. */
export async function callerFor(db: PrismaClient, token: string | null, headers: Record<string, string> = {}) {
  const req = new Request('http://localhost:3000/api/trpc', {
    headers: { host: 'localhost:3000', ...(token ? { cookie: `${SESSION_COOKIE}=${token}` } : {}), ...headers },
  });
  const resHeaders = new Headers();
  return { caller: createCaller(await createContext({ req, resHeaders, db })), resHeaders };
}

/** Sends one tRPC HTTP request through the real fetch handler (status codes, cookies, error shape). */
export async function httpCall(db: PrismaClient, options: { path: string; input?: unknown; method: 'GET' | 'POST'; token?: string | null; headers?: Record<string, string> }) {
  const body = options.input === undefined ? undefined : JSON.stringify(superjson.serialize(options.input));
  const url = new URL(`http://localhost:3000/api/trpc/${options.path}`);
  if (options.method === 'GET' && body) url.searchParams.set('input', body);
  const req = new Request(url, {
    method: options.method,
    headers: {
      host: 'localhost:3000',
      'content-type': 'application/json',
      ...(options.token ? { cookie: `${SESSION_COOKIE}=${options.token}` } : {}),
      ...options.headers,
    },
    body: options.method === 'POST' ? body : undefined,
  });
  const response = await fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter, createContext: ({ req, resHeaders }) => createContext({ req, resHeaders, db }) });
  // Bodies are superjson-encoded ({ json, meta }): decode them as the browser client would.
  const raw = (await response.json()) as { result?: { data: unknown }; error?: unknown };
  type ErrorShape = { message: string; data: { code: string; appCode: string | null; fieldErrors: Record<string, string[]> | null } };
  const json = {
    result: raw.result ? { data: superjson.deserialize(raw.result.data as Parameters<typeof superjson.deserialize>[0]) } : undefined,
    error: raw.error ? superjson.deserialize<ErrorShape>(raw.error as Parameters<typeof superjson.deserialize>[0]) : undefined,
  };
  return { status: response.status, headers: response.headers, json };
}
