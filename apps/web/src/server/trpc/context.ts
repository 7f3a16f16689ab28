import { getPrisma, type PrismaClient } from '@fulcrum/db/client';
import type { Actor } from '@fulcrum/core/auth/actor';
import { SESSION_COOKIE, validateSession, type SessionUser } from '@fulcrum/core/auth/sessions';

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return decodeURIComponent(part.slice(index + 1).trim());
  }
  return undefined;
}

/** Per-request context: the database, the signed-in user (or null) and where to set response headers. */
export async function createContext(options: { req: Request; resHeaders: Headers; db?: PrismaClient }) {
  const db = options.db ?? getPrisma();
  const sessionToken = readCookie(options.req.headers.get('cookie'), SESSION_COOKIE);
  const user: SessionUser | null = await validateSession({ db, token: sessionToken });
  const actor: Actor | null = user ? { userId: user.id, username: user.username, role: user.role } : null;
  return { db, req: options.req, resHeaders: options.resHeaders, user, actor, sessionToken };
}

export type Context = Awaited<ReturnType<typeof createContext>>;
