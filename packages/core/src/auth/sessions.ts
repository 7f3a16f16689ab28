import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db';
import type { Role } from './actor';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'fulcrum_session';
/** A session lives this long without use… */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** …and never longer than this in total. */
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;

// Only the hash is stored: a leaked sessions table cannot be replayed as cookies.
function sessionId(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The signed-in user a valid session stands for. */
export type SessionUser = { id: string; username: string; displayName: string; role: Role; mustChangePassword: boolean };

/** Starts a session for a user; returns the token for the cookie (shown nowhere else). */
export async function createSession(options: { db: Db; userId: string; userAgent?: string }): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_IDLE_MS);
  await options.db.session.create({ data: { id: sessionId(token), userId: options.userId, expiresAt, userAgent: (options.userAgent ?? '').slice(0, 200) } });
  return { token, expiresAt };
}

/**
 * Resolves a cookie token to its user, or null when unknown, expired, or the user is disabled.
 * Use slides the idle expiry forward (at most once a minute, to spare the database).
 */
export async function validateSession(options: { db: Db; token: string | undefined | null }): Promise<SessionUser | null> {
  if (!options.token || options.token.length > 100) return null;
  const id = sessionId(options.token);
  const session = await options.db.session.findUnique({
    where: { id },
    select: { expiresAt: true, createdAt: true, lastSeenAt: true, user: { select: { id: true, username: true, displayName: true, role: true, disabled: true, mustChangePassword: true } } },
  });
  if (!session) return null;
  const now = Date.now();
  if (session.expiresAt.getTime() <= now || session.createdAt.getTime() + SESSION_MAX_MS <= now || session.user.disabled) {
    await options.db.session.deleteMany({ where: { id } });
    return null;
  }
  if (now - session.lastSeenAt.getTime() > 60_000) {
    const expiresAt = new Date(Math.min(now + SESSION_IDLE_MS, session.createdAt.getTime() + SESSION_MAX_MS));
    await options.db.session.updateMany({ where: { id }, data: { lastSeenAt: new Date(now), expiresAt } });
  }
  const { disabled: _disabled, ...user } = session.user;
  return user;
}

/** Ends the session behind a cookie token (logout). */
export async function deleteSession(options: { db: Db; token: string | undefined | null }): Promise<void> {
  if (!options.token) return;
  await options.db.session.deleteMany({ where: { id: sessionId(options.token) } });
}
